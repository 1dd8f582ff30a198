using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SagaDemo.Contracts;

// The rules of the request fields, one attribute each, checked by .NET's minimal-API validation
// (AddValidation) before a handler runs. Every field is required: a missing one fails its own rule,
// so each field has exactly one message, which says what a valid value looks like.

/// <summary>A field that must be present and valid; null fails like a bad value.</summary>
public abstract class FieldRuleAttribute(string errorMessage) : ValidationAttribute(errorMessage)
{
    public sealed override bool IsValid(object? value) => value is not null && IsValidValue(value);

    protected abstract bool IsValidValue(object value);
}

/// <summary>order_id: 1 to 64 letters, digits, '.', '_' or '-'.</summary>
public sealed partial class OrderIdAttribute() : FieldRuleAttribute("order_id is required: 1 to 64 letters, digits, '.', '_' or '-'.")
{
    protected override bool IsValidValue(object value) => value is string id && Pattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex Pattern();
}

/// <summary>amount: greater than 0, at most two decimals.</summary>
public sealed class AmountAttribute() : FieldRuleAttribute("amount is required: a number greater than 0 with at most two decimals.")
{
    protected override bool IsValidValue(object value) => value is decimal amount and > 0m && decimal.Round(amount, 2) == amount;
}

/// <summary>
/// sku: 1 to 64 characters, no space inside. Control characters (NUL among them, which PostgreSQL
/// cannot store) and format characters (a zero-width space) are refused: they would make two SKUs
/// that look alike differ, or a store refuse the text. Case and surrounding spaces do not count
/// (<see cref="Canonical.Sku"/>).
/// </summary>
public sealed class SkuAttribute() : FieldRuleAttribute(
    "sku is required: 1 to 64 characters without spaces, control or invisible format characters (case does not matter: sku-1 is SKU-1).")
{
    protected override bool IsValidValue(object value) =>
        value is string sku && Canonical.SpellSku(sku) is { Length: > 0 and <= 64 } canonical &&
        !canonical.Any(c => char.IsWhiteSpace(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format);
}

/// <summary>quantity: a whole number from 1 to 1000.</summary>
public sealed class QuantityAttribute() : FieldRuleAttribute("quantity is required: a whole number from 1 to 1000.")
{
    protected override bool IsValidValue(object value) => value is int and >= 1 and <= 1000;
}

/// <summary>slot: an ISO-8601 local date-time on a whole minute (<see cref="Canonical.Slot"/>).</summary>
public sealed class SlotAttribute() : FieldRuleAttribute(
    "slot is required: an ISO-8601 local date-time on a whole minute, such as 2024-05-20T10:00 (or 2024-05-20T10:00:00).")
{
    protected override bool IsValidValue(object value) => Canonical.ParseSlot(value as string) is not null;
}
