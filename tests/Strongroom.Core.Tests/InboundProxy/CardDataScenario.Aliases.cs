using Strongroom.Core.Storage;
using Strongroom.Core.Tests.Support;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.DataAtRest;

/// <summary>The alias rows of the no-card-on-disk scenario: every scanned PAN also tokenized with a format-preserving alias.</summary>
public sealed partial class CardDataScenario
{
    /// <summary>Tokenizes each PAN with an alias (one of them then deleted), so the scans cover <c>pci_token_aliases</c>.</summary>
    private static async Task AddAliasedTokensAsync(IVaultStore store, VaultHarness vault, Guid tenantId)
    {
        var aliases = new PciTokenAliasService(store, vault.Tokens);
        var created = new List<PciToken>();
        for (int i = 0; i < Pans.Count; i++)
        {
            PciToken token = (await aliases.CreateAsync(tenantId, vault.Card(Pans[i], SecurityCodes[i], CardholderNames[i]), TokenOptions.None, null, None))!;
            Assert.NotNull(token.Alias);
            Assert.Equal(token.Id, await aliases.ResolveAsync(tenantId, token.Alias, None));
            created.Add(token);
        }

        Assert.True(await vault.Tokens.DeleteAsync(tenantId, created[0].Id, None));
        Assert.Null(await store.FindPciTokenIdByAliasAsync(tenantId, created[0].Alias!, None));
    }
}
