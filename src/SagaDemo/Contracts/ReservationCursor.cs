using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SagaDemo.Contracts;

/// <summary>Where a listing stopped: the last reservation's creation time and order id, written "unix-ms:order-id".</summary>
public readonly record struct ReservationCursor(long CreatedAtMs, string OrderId)
{
    public static ReservationCursor Of(ReservationView view) => new(view.CreatedAt!.Value.ToUnixTimeMilliseconds(), view.OrderId);

    public static bool TryParse(string? text, [NotNullWhen(true)] out ReservationCursor? cursor)
    {
        cursor = null;
        var colon = text?.IndexOf(':') ?? -1;
        if (colon <= 0 || colon == text!.Length - 1
            || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var createdAtMs))
        {
            return false;
        }
        cursor = new ReservationCursor(createdAtMs, text[(colon + 1)..]);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{CreatedAtMs}:{OrderId}");

    /// <summary>True if a reservation made at <paramref name="createdAt"/> for <paramref name="orderId"/> comes after this cursor in listing order.</summary>
    public bool IsBefore(DateTimeOffset createdAt, string orderId)
    {
        var createdAtMs = createdAt.ToUnixTimeMilliseconds();
        return createdAtMs > CreatedAtMs || (createdAtMs == CreatedAtMs && string.CompareOrdinal(orderId, OrderId) > 0);
    }
}
