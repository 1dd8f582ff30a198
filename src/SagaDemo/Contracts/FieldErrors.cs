using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SagaDemo.Contracts;

/// <summary>Collects per-field validation errors under their JSON (snake_case) names.</summary>
public sealed partial class FieldErrors
{
    private static readonly string[] SlotFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"];
    private readonly Dictionary<string, List<string>> errors = [];

    public bool IsEmpty => errors.Count == 0;

    public FieldErrors Check(bool valid, string field, string message)
    {
        if (!valid)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }
            list.Add(message);
        }
        return this;
    }

    public FieldErrors OrderId(string? value) => Check(value is not null && OrderIdPattern().IsMatch(value), "order_id",
        "order_id is required: 1 to 64 letters, digits, '.', '_' or '-'.");

    public FieldErrors Amount(decimal? value) => Check(value is > 0m && decimal.Round(value.Value, 2) == value.Value, "amount",
        "amount is required: a number greater than 0 with at most two decimals.");

    public FieldErrors Sku(string? value) => Check(!string.IsNullOrWhiteSpace(value) && value.Length <= 64 && !value.Any(IsInvisible), "sku",
        "sku is required: 1 to 64 characters, none of them control or invisible format characters.");

    public FieldErrors Quantity(int? value) => Check(value is >= 1 and <= 1000, "quantity",
        "quantity is required: a whole number from 1 to 1000.");

    public FieldErrors Slot(string? value) => Check(IsSlot(value), "slot",
        "slot is required: an ISO-8601 local date-time such as 2024-05-20T10:00.");

    public Dictionary<string, string[]> ToDictionary() => errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    /// <summary>The 400 answer: every field's errors, and a detail that says which fields to fix.</summary>
    public ValidationProblem ToProblem() =>
        TypedResults.ValidationProblem(ToDictionary(), detail: $"Fix these fields and send the request again: {string.Join(", ", errors.Keys)}.");

    // Control characters (NUL among them, which PostgreSQL cannot store) and format characters (a
    // zero-width space) would make two SKUs that look alike differ, or a store refuse the text.
    private static bool IsInvisible(char c) => char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format;

    private static bool IsSlot(string? value) =>
        value is not null && DateTime.TryParseExact(value, SlotFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex OrderIdPattern();
}
