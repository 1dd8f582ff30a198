using System.Text.Json;

namespace SagaDemo.Contracts;

/// <summary>Order statuses by their wire names (snake_case: compensation_failed), as in JSON and the store.</summary>
public static class OrderStatusNames
{
    private static readonly Dictionary<string, OrderStatus> ByName =
        Enum.GetValues<OrderStatus>().ToDictionary(Name, StringComparer.OrdinalIgnoreCase);

    public static IEnumerable<string> All => ByName.Keys;

    public static string Name(OrderStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    public static bool TryParse(string? name, out OrderStatus status) => ByName.TryGetValue(name ?? "", out status);
}
