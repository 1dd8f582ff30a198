using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace SagaDemo.Clients;

/// <summary>The orchestrator's client of every participant, by name, each made once (see ClientRegistration).</summary>
public sealed class ParticipantClients(IHttpClientFactory factory, IOptions<ResilienceOptions> options)
{
    private readonly ConcurrentDictionary<string, ParticipantClient> clients = new(StringComparer.Ordinal);

    /// <summary>The client of the participant named <paramref name="name"/>: the named HttpClient of that name.</summary>
    public ParticipantClient this[string name] =>
        clients.GetOrAdd(name, key => new ParticipantClient(factory.CreateClient(key), key, options));
}
