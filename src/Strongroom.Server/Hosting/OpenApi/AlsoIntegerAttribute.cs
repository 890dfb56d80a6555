namespace Strongroom.Server.Hosting.OpenApi;

/// <summary>
/// Marks a string property of a request record that the dialect also accepts as a JSON integer (Tap's card <c>number</c>
/// and <c>cvc</c>, which its seed sends as numbers): the document then allows both.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class AlsoIntegerAttribute : Attribute;
