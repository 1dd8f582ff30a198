using System.ComponentModel.DataAnnotations;

namespace SagaDemo.Clients;

/// <summary>Where the participants are: the seed's environment names, mapped onto options here and nowhere else.</summary>
public sealed class ParticipantUrls : IValidatableObject
{
    public string PaymentUrl { get; set; } = "http://localhost:8001";

    public string InventoryUrl { get; set; } = "http://localhost:8002";

    public string DeliveryUrl { get; set; } = "http://localhost:8003";

    public static void Bind(ParticipantUrls urls, IConfiguration configuration)
    {
        urls.PaymentUrl = configuration["PAYMENT_URL"] ?? urls.PaymentUrl;
        urls.InventoryUrl = configuration["INVENTORY_URL"] ?? urls.InventoryUrl;
        urls.DeliveryUrl = configuration["DELIVERY_URL"] ?? urls.DeliveryUrl;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[] { ("PAYMENT_URL", PaymentUrl), ("INVENTORY_URL", InventoryUrl), ("DELIVERY_URL", DeliveryUrl) })
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                yield return new ValidationResult($"{name} must be an absolute http(s) URL such as http://localhost:8001, not '{value}'.");
            }
        }
    }
}
