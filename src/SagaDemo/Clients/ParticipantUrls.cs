using System.ComponentModel.DataAnnotations;
using SagaDemo.Participants;

namespace SagaDemo.Clients;

/// <summary>
/// Where the participants are, by name: each from its variable in the registry (PAYMENT_URL, ...),
/// mapped onto options here and nowhere else.
/// </summary>
public sealed class ParticipantUrls : IValidatableObject
{
    public Dictionary<string, string> ByName { get; } = new(StringComparer.Ordinal);

    public static void Bind(ParticipantUrls urls, IConfiguration configuration)
    {
        foreach (var participant in ParticipantRegistry.All)
        {
            urls.ByName[participant.Name] = configuration[participant.UrlVariable] ?? participant.DefaultUrl;
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var participant in ParticipantRegistry.All)
        {
            var value = ByName.GetValueOrDefault(participant.Name);
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                yield return new ValidationResult(
                    $"{participant.UrlVariable} must be an absolute http(s) URL such as {participant.DefaultUrl}, not '{value}'.");
            }
        }
    }
}
