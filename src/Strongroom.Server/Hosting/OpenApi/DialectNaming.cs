using System.Text.Json;
using System.Text.Json.Serialization;
using Strongroom.Server.Admin;
using Strongroom.Server.Guardian;
using Strongroom.Server.Tap;
using Strongroom.Server.Webhooks;
using Strongroom.Server.WhiteBit;

namespace Strongroom.Server.Hosting.OpenApi;

/// <summary>
/// Which property naming policy a wire type is written with: the one of the dialect's own <see cref="JsonSerializerContext"/>
/// that serializes it, so the document names properties exactly as the bytes on the wire do. Types no context knows
/// (request records used only for the document) follow their dialect's namespace: WhiteBIT camelCase, every other dialect snake_case.
/// </summary>
internal static class DialectNaming
{
    private static readonly JsonSerializerContext[] Contexts =
    [
        GuardianJson.Default, GuardianMetadataJson.Default, TapJson.Default, WhiteBitJson.Default, WebhookJson.Default,
        AdminJson.Default, AuditJson.Default, KeyAdminJson.Default, ForwardAdminJson.Default,
    ];

    private static readonly string WhiteBitNamespace = typeof(WhiteBitJson).Namespace!;

    public static JsonNamingPolicy PolicyFor(Type type)
    {
        foreach (JsonSerializerContext context in Contexts)
        {
            if (context.GetTypeInfo(type) is not null)
            {
                return context.Options.PropertyNamingPolicy ?? JsonNamingPolicy.CamelCase;
            }
        }

        return type.Namespace == WhiteBitNamespace ? JsonNamingPolicy.CamelCase : JsonNamingPolicy.SnakeCaseLower;
    }
}
