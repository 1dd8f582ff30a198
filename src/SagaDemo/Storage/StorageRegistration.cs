using Npgsql;

namespace SagaDemo.Storage;

public static class StorageRegistration
{
    public static IServiceCollection AddOrderStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().BindConfiguration("Storage").ValidateDataAnnotations().ValidateOnStart();
        // The store is chosen before the options exist; read the same section, with the same default.
        var provider = (configuration.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions()).Provider;
        var connectionString = configuration.GetConnectionString("Orders");
        switch (provider)
        {
            case "memory":
                services.AddSingleton<IOrderStore, InMemoryOrderStore>();
                break;
            case "postgres":
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new StoreUnavailableException(
                        "Storage__Provider=postgres needs ConnectionStrings__Orders, e.g. Host=db;Username=saga;Password=...;Database=saga.");
                }
                services.AddSingleton(_ => Connect(() => NpgsqlDataSource.Create(connectionString), "PostgreSQL"));
                services.AddSingleton<IOrderStore>(sp => new SqlOrderStore(new PostgresDialect(sp.GetRequiredService<NpgsqlDataSource>())));
                break;
            default:
                // Unknown providers are reported by the options validation; SQLite is the embedded default.
                services.AddSingleton<IOrderStore>(_ =>
                    new SqlOrderStore(Connect(() => new SqliteDialect(connectionString ?? StorageOptions.DefaultSqlite), "SQLite")));
                break;
        }

        // The schema is made before the server listens; a store that cannot be reached stops start-up.
        services.AddHostedService<OrderStoreInitializer>();
        services.AddHealthChecks().AddCheck<OrderStoreHealthCheck>("order_store", tags: ["ready"]);
        return services;
    }

    private static T Connect<T>(Func<T> create, string database)
    {
        try
        {
            return create();
        }
        catch (ArgumentException ex)
        {
            throw new StoreUnavailableException($"ConnectionStrings__Orders is not a valid {database} connection string: {ex.Message}", ex);
        }
    }
}
