using System.Diagnostics;
using System.Diagnostics.Metrics;
using SagaDemo.Saga;

namespace SagaDemo.Participants;

/// <summary>
/// What a participant shows of its reserves and cancels: the saga's attributes on the request's
/// server span (which continues the orchestrator's trace), and a count of answers by result.
/// </summary>
public sealed class ParticipantTelemetry
{
    public const string Name = "SagaDemo.Participants";

    private readonly string participant;
    private readonly Counter<long> answers;

    public ParticipantTelemetry(string participant, IMeterFactory meters)
    {
        this.participant = participant;
        answers = meters.Create(Name).CreateCounter<long>("participant.answers", "{answer}",
            "Reserves and cancels this participant answered, by participant, action and result (reserved, refused, cancelled).");
    }

    public void Answered(string orderId, SagaAction action, string result)
    {
        if (Activity.Current is { IsAllDataRequested: true } span)
        {
            span.SetTag("saga.order_id", orderId);
            span.SetTag("saga.step", participant);
            span.SetTag("saga.action", WireNames.Of(action));
            span.SetTag("saga.outcome", result);
        }
        answers.Add(1, new("participant", participant), new("saga.action", WireNames.Of(action)), new("result", result));
    }
}
