namespace SagaDemo.Hosting;

public enum ServiceRole
{
    Order,
    Payment,
    Inventory,
    Delivery,
}

public static class ServiceRoles
{
    public const string ConfigKey = "ROLE";

    public static IReadOnlyList<ServiceRole> All { get; } = Enum.GetValues<ServiceRole>();

    public static bool TryParse(string? value, out ServiceRole role)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.RouteName(), value?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                role = candidate;
                return true;
            }
        }

        role = default;
        return false;
    }

    public static string InvalidRoleMessage(string? value) =>
        $"ROLE must be one of: {string.Join(", ", All.Select(r => r.RouteName()))} " +
        (string.IsNullOrWhiteSpace(value) ? "(it is not set)." : $"(got '{value}').");

    /// <summary>The role's name as it appears in routes, logs and ROLE: lower case.</summary>
    public static string RouteName(this ServiceRole role) => role.ToString().ToLowerInvariant();
}
