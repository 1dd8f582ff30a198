using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace SagaDemo.Contracts;

/// <summary>
/// The one spelling of a SKU and of a delivery slot, so that capacity is counted once per thing and
/// not once per way of writing it: "sku-1", " SKU-1" and "SKU-1" are one SKU (trimmed, Unicode
/// NFC, upper case); "2024-05-20T10:00" and "2024-05-20T10:00:00" are one slot (to the minute).
/// What cannot be made canonical is refused by the field's rule (Contracts/FieldRules).
/// Each canonical spelling is one string instance (up to <see cref="MaxShared"/> of them), so the
/// orders and reservations a store keeps in memory share it instead of holding a copy each.
/// </summary>
public static class Canonical
{
    /// <summary>How many spellings are shared; past it a new one is simply not (the memory it saves is bounded by what is held anyway).</summary>
    public const int MaxShared = 10_000;

    private static readonly string[] SlotFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"];
    private static readonly ConcurrentDictionary<string, string> Shared = new(StringComparer.Ordinal);
    private static int sharedCount;

    /// <summary>The SKU's canonical spelling, as the one shared instance.</summary>
    public static string Sku(string sku) => Share(SpellSku(sku));

    /// <summary>The SKU's canonical spelling, not shared: to check input that may yet be refused.</summary>
    public static string SpellSku(string sku) => sku.Trim().Normalize(NormalizationForm.FormC).ToUpperInvariant();

    public static string Slot(string slot) => ParseSlot(slot) is { } minute ? Share(minute.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture)) : slot;

    /// <summary>The slot's minute, or null if it is not a local date-time on a whole minute.</summary>
    public static DateTime? ParseSlot(string? slot) =>
        slot is not null && DateTime.TryParseExact(slot, SlotFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) && time.Second == 0
            ? time
            : null;

    private static string Share(string canonical)
    {
        if (Shared.TryGetValue(canonical, out var shared))
        {
            return shared;
        }
        if (Volatile.Read(ref sharedCount) >= MaxShared)
        {
            return canonical;
        }
        shared = Shared.GetOrAdd(canonical, canonical);
        if (ReferenceEquals(shared, canonical))
        {
            Interlocked.Increment(ref sharedCount);
        }
        return shared;
    }
}
