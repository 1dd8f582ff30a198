using SagaDemo.Saga;

namespace SagaDemo.Tests.Saga;

/// <summary>A call in an order's history is kept compactly (its times as UTC ticks and milliseconds): what it says must not change.</summary>
public sealed class StepCallTests
{
    private static readonly DateTimeOffset Start = new DateTimeOffset(2026, 12, 2, 10, 0, 0, 123, TimeSpan.Zero).AddTicks(4567);

    [Fact]
    public void ACallNotAnsweredYet_HasNoAnswerTime()
    {
        var intent = new StepCall("payment", SagaAction.Reserve, CallOutcome.Pending, 0, Start, null, null);

        intent.StartedAt.Should().Be(Start);
        intent.FinishedAt.Should().BeNull();
    }

    [Fact]
    public void AnAnswerInTheSameInstant_IsAnAnswer_NotNone()
    {
        var intent = new StepCall("payment", SagaAction.Reserve, CallOutcome.Pending, 0, Start, null, null);

        var done = intent with { Outcome = CallOutcome.Succeeded, Attempts = 1, FinishedAt = Start };

        done.FinishedAt.Should().Be(Start);
        done.Should().Be(new StepCall("payment", SagaAction.Reserve, CallOutcome.Succeeded, 1, Start, Start, null));
    }

    [Fact]
    public void TheAnswerTime_IsKeptToTheMillisecond()
    {
        var answered = Start.AddMilliseconds(1234.4);

        var call = new StepCall("inventory", SagaAction.Cancel, CallOutcome.Unknown, 4, Start, answered, "no answer");

        call.FinishedAt.Should().Be(Start.AddMilliseconds(1234));
        call.Attempts.Should().Be(4);
        call.Detail.Should().Be("no answer");
    }

    [Fact]
    public void TimesWithAnOffset_AreTheSameInstantsInUtc()
    {
        var start = new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.FromHours(2));

        var call = new StepCall("delivery", SagaAction.Reserve, CallOutcome.Failed, 1, start, start.AddSeconds(2), "slot full");

        call.StartedAt.Should().Be(start).And.Subject!.Value.Offset.Should().Be(TimeSpan.Zero);
        call.FinishedAt.Should().Be(start.AddSeconds(2));
    }

    [Fact]
    public void ANewStart_KeepsTheAnswersTime_WhicheverTimeAWithExpressionSetsFirst()
    {
        var answered = Start.AddSeconds(2);
        var call = new StepCall("payment", SagaAction.Reserve, CallOutcome.Succeeded, 1, Start, answered, null);

        var restarted = call with { StartedAt = Start.AddSeconds(-1) };
        var bothFinishFirst = call with { FinishedAt = Start.AddSeconds(5), StartedAt = Start.AddSeconds(1) };
        var bothStartFirst = call with { StartedAt = Start.AddSeconds(1), FinishedAt = Start.AddSeconds(5) };

        restarted.FinishedAt.Should().Be(answered);
        bothFinishFirst.Should().Be(bothStartFirst);
        bothFinishFirst.FinishedAt.Should().Be(Start.AddSeconds(5));
    }

    [Fact]
    public void AnAnswerBeforeItsStart_IsKept_AndADefaultCallHasNoAnswer()
    {
        var call = new StepCall("payment", SagaAction.Reserve, CallOutcome.Succeeded, 1, Start, Start.AddMilliseconds(-3), null);

        call.FinishedAt.Should().Be(Start.AddMilliseconds(-3));
        default(StepCall).FinishedAt.Should().BeNull();
    }
}
