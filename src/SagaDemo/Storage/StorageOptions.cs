using System.ComponentModel.DataAnnotations;

namespace SagaDemo.Storage;

/// <summary>Where the orchestrator keeps its orders (section "Storage"; connection in ConnectionStrings:Orders).</summary>
public sealed class StorageOptions
{
    public const string DefaultSqlite = "Data Source=data/orders.db";

    [AllowedValues("sqlite", "postgres", "memory", ErrorMessage = "Storage__Provider must be sqlite, postgres or memory.")]
    public string Provider { get; set; } = "sqlite";
}
