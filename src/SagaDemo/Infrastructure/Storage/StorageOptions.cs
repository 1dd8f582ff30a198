using System.ComponentModel.DataAnnotations;

namespace SagaDemo.Infrastructure.Storage;

/// <summary>
/// Where a role keeps its state (section "Storage"). The orchestrator's orders default to SQLite
/// (ConnectionStrings:Orders); a participant's reservations default to memory and can be made
/// durable the same way (ConnectionStrings:Reservations).
/// </summary>
public sealed class StorageOptions
{
    [AllowedValues("sqlite", "postgres", "memory", null, ErrorMessage = "Storage__Provider must be sqlite, postgres or memory.")]
    public string? Provider { get; set; }
}
