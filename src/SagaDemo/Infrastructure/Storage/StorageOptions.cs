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

    /// <summary>
    /// SQLite's durability: "full" (default) syncs the log at every commit, so an answered write
    /// survives a power cut; "normal" survives a crash of the process only, and is faster (bench/README.md).
    /// </summary>
    [AllowedValues("full", "normal", ErrorMessage = "Storage__Synchronous must be full or normal.")]
    public string Synchronous { get; set; } = "full";
}
