using System.Globalization;
using System.Text;

namespace SagaDemo.Contracts;

/// <summary>
/// The one spelling of a SKU and of a delivery slot, so that capacity is counted once per thing and
/// not once per way of writing it: "sku-1", " SKU-1" and "SKU-1" are one SKU (trimmed, Unicode
/// NFC, upper case); "2024-05-20T10:00" and "2024-05-20T10:00:00" are one slot (to the minute).
/// What cannot be made canonical is refused by the field's rule (Contracts/FieldRules).
/// </summary>
public static class Canonical
{
    private static readonly string[] SlotFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"];

    public static string Sku(string sku) => sku.Trim().Normalize(NormalizationForm.FormC).ToUpperInvariant();

    public static string Slot(string slot) => ParseSlot(slot) is { } minute ? minute.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture) : slot;

    /// <summary>The slot's minute, or null if it is not a local date-time on a whole minute.</summary>
    public static DateTime? ParseSlot(string? slot) =>
        slot is not null && DateTime.TryParseExact(slot, SlotFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) && time.Second == 0
            ? time
            : null;
}
