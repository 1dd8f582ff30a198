using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SagaDemo.Saga;

/// <summary>
/// What a saga shows of itself, through .NET's own OpenTelemetry API (an ActivitySource for spans, a
/// Meter for metrics), recorded by the driver and nowhere else: a span per drive of a saga and one
/// per participant call; sagas started and finished by outcome, their duration, each call's
/// duration and retries, the compensations still owed, and the exposure window — for a cancelled
/// saga, how long each participant held something (its reserve answered → its cancel answered).
/// Nothing listens unless OpenTelemetry is configured (Hosting/Telemetry): then a span costs one check.
/// </summary>
public sealed class SagaTelemetry
{
    public const string Name = "SagaDemo.Saga";

    private static readonly ActivitySource Source = new(Name);

    private readonly Counter<long> started;
    private readonly Counter<long> finished;
    private readonly Histogram<double> duration;
    private readonly Histogram<double> callDuration;
    private readonly Counter<long> retries;
    private readonly Histogram<double> exposure;
    private readonly Counter<long> releases;
    private readonly ConcurrentDictionary<string, int> owed = new(StringComparer.Ordinal);

    public SagaTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        started = meter.CreateCounter<long>("saga.started", "{saga}", "Sagas started (a new id accepted).");
        finished = meter.CreateCounter<long>("saga.finished", "{saga}",
            "Sagas that reached confirmed, cancelled or compensation_failed, by that outcome (saga.outcome).");
        duration = meter.CreateHistogram<double>("saga.duration", "s", "From a saga's start to its confirmed, cancelled or compensation_failed.");
        callDuration = meter.CreateHistogram<double>("saga.call.duration", "s",
            "One participant call with all its attempts, by step, action and outcome.");
        retries = meter.CreateCounter<long>("saga.call.retries", "{retry}", "Attempts of participant calls beyond the first, by step and action.");
        exposure = meter.CreateHistogram<double>("saga.exposure", "s",
            "For a cancelled saga, how long each participant held something: its reserve answered → its cancel answered, by step.");
        releases = meter.CreateCounter<long>("saga.reconciler.releases", "{reservation}",
            "Reservations the reconciler released after their saga had ended, by step.");
        meter.CreateObservableGauge("saga.compensations.owed", () => owed.Values.Sum(), "{compensation}",
            "Cancels owed by sagas this orchestrator drove that ended a round of compensation without them.");
    }

    /// <summary>
    /// The span of one drive of a saga. A saga's first drive starts its trace (under the request
    /// that placed it); a later one (recovery, an operator's redrive) is a span of its own, linked to
    /// the trace the saga started in.
    /// </summary>
    public static Activity? StartDrive(string saga, string idTag, string id, string? originalTrace)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        ActivityLink[]? links = originalTrace is not null && ActivityContext.TryParse(originalTrace, null, out var original)
            ? [new ActivityLink(original)]
            : null;
        var activity = Source.StartActivity(links is null ? $"saga {saga}" : $"saga {saga} resumed", ActivityKind.Internal,
            parentContext: default, tags: [new(idTag, id)], links: links);
        return activity;
    }

    /// <summary>The span of one participant call; the HTTP client's spans (one per attempt) are its children.</summary>
    public static Activity? StartCall(string idTag, string id, string step, SagaAction action)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var activity = Source.StartActivity($"{step} {WireNames.Of(action)}", ActivityKind.Internal);
        activity?.SetTag(idTag, id);
        activity?.SetTag("saga.step", step);
        activity?.SetTag("saga.action", WireNames.Of(action));
        return activity;
    }

    public void Started() => started.Add(1);

    /// <summary>Where the drive left the saga: its status, on the drive's span.</summary>
    public static void DriveEnded<TData>(Activity? span, SagaLog<TData> log) => span?.SetTag("saga.outcome", SagaStates.Name(log.Status));

    public void CallEnded(Activity? span, string step, SagaAction action, StepOutcome outcome, TimeSpan elapsed)
    {
        var outcomeName = WireNames.Of(outcome.Outcome);
        if (span is not null)
        {
            span.SetTag("saga.outcome", outcomeName);
            span.SetTag("saga.attempts", outcome.Attempts);
            if (!outcome.Succeeded)
            {
                span.SetStatus(ActivityStatusCode.Error, outcome.Detail);
            }
        }
        var actionName = WireNames.Of(action);
        callDuration.Record(elapsed.TotalSeconds,
            new("saga.step", step), new("saga.action", actionName), new("saga.outcome", outcomeName));
        if (outcome.Attempts > 1)
        {
            retries.Add(outcome.Attempts - 1, new("saga.step", step), new("saga.action", actionName));
        }
    }

    /// <summary>A saga reached confirmed, cancelled or compensation_failed (<paramref name="id"/> owes nothing more, or an operator's turn).</summary>
    public void Finished<TData>(string id, SagaLog<TData> log, DateTimeOffset now)
    {
        var outcome = SagaStates.Name(log.Status);
        finished.Add(1, new KeyValuePair<string, object?>("saga.outcome", outcome));
        duration.Record((now - log.CreatedAt).TotalSeconds, new KeyValuePair<string, object?>("saga.outcome", outcome));
        if (log.Status == SagaStatus.Cancelled)
        {
            owed.TryRemove(id, out _);
            foreach (var (step, held) in Exposures(log.History))
            {
                exposure.Record(held.TotalSeconds, new KeyValuePair<string, object?>("saga.step", step));
            }
        }
        else if (log.Status == SagaStatus.Confirmed)
        {
            owed.TryRemove(id, out _);
        }
    }

    /// <summary>A round of compensation ended with <paramref name="count"/> cancels still owed.</summary>
    public void Owed(string id, int count)
    {
        if (count > 0)
        {
            owed[id] = count;
        }
        else
        {
            owed.TryRemove(id, out _);
        }
    }

    public void Released(string step) => releases.Add(1, new KeyValuePair<string, object?>("saga.step", step));

    /// <summary>For each step whose reserve succeeded and was then cancelled: from the reserve's answer to the cancel's.</summary>
    public static IEnumerable<(string Step, TimeSpan Held)> Exposures(IReadOnlyList<StepCall> history)
    {
        var reservedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var call in history)
        {
            if (call is { Action: SagaAction.Reserve, Outcome: CallOutcome.Succeeded, FinishedAt: { } answered })
            {
                reservedAt[call.Step] = answered;
            }
            else if (call is { Action: SagaAction.Cancel or SagaAction.Reconcile, Outcome: CallOutcome.Succeeded, FinishedAt: { } released }
                && reservedAt.Remove(call.Step, out var since))
            {
                yield return (call.Step, released - since);
            }
        }
    }
}
