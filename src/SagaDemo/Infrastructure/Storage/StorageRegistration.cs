using Npgsql;
using SagaDemo.Infrastructure.Sql;

namespace SagaDemo.Infrastructure.Storage;

/// <summary>Picks a role's store from Storage__Provider and its connection string, and prepares it before the server listens.</summary>
public static class StorageRegistration
{
    public const string OrdersConnection = "Orders";
    public const string ReservationsConnection = "Reservations";

    /// <summary>
    /// Registers the store <paramref name="create"/> makes for the configured provider (or
    /// <paramref name="defaultProvider"/>), as <typeparamref name="TStore"/> and as the <see cref="IStore"/>
    /// that start-up initialises and /health checks under <paramref name="healthCheckName"/>; what is over
    /// is deleted after <paramref name="keepFor"/> (the retention job).
    /// </summary>
    public static IServiceCollection AddStore<TStore>(this IServiceCollection services, IConfiguration configuration,
        string connectionName, string defaultProvider, string defaultSqlite, string healthCheckName,
        Func<RetentionOptions, TimeSpan> keepFor, Func<IServiceProvider, SqlDialect?, TStore> create)
        where TStore : class, IStore
    {
        services.AddOptions<StorageOptions>().BindConfiguration("Storage").ValidateDataAnnotations().ValidateOnStart();
        // The store is chosen before the options exist: read the same section (the validation reports bad values).
        var storage = configuration.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions();
        var provider = storage.Provider ?? defaultProvider;
        var connectionString = configuration.GetConnectionString(connectionName);
        switch (provider)
        {
            case "memory":
                services.AddSingleton(sp => create(sp, null));
                break;
            case "postgres":
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new StoreUnavailableException(
                        $"Storage__Provider=postgres needs ConnectionStrings__{connectionName}, e.g. Host=db;Username=saga;Password=...;Database=saga.");
                }
                services.AddSingleton(_ => Connect(() => NpgsqlDataSource.Create(connectionString), connectionName, "PostgreSQL"));
                services.AddSingleton(sp => create(sp, new PostgresDialect(sp.GetRequiredService<NpgsqlDataSource>())));
                break;
            default:
                services.AddSingleton(sp => create(sp, Connect(() => new SqliteDialect(connectionString ?? defaultSqlite, storage.Synchronous), connectionName, "SQLite")));
                break;
        }

        services.AddSingleton<IStore>(sp => sp.GetRequiredService<TStore>());
        services.AddHostedService<StoreInitializer>();
        services.AddOptions<RetentionOptions>().BindConfiguration("Retention").ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<RetentionJob>(sp, keepFor));
        services.AddHealthChecks().AddCheck<StoreHealthCheck>(healthCheckName, tags: ["ready"]);
        return services;
    }

    private static T Connect<T>(Func<T> create, string connectionName, string database)
    {
        try
        {
            return create();
        }
        catch (ArgumentException ex)
        {
            throw new StoreUnavailableException($"ConnectionStrings__{connectionName} is not a valid {database} connection string: {ex.Message}", ex);
        }
    }
}
