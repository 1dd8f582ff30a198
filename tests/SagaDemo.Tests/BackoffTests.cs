using SagaDemo.Saga;

namespace SagaDemo.Tests;

public sealed class BackoffTests
{
    [Theory]
    [InlineData(1, 500)]
    [InlineData(2, 1000)]
    [InlineData(3, 2000)]
    [InlineData(6, 10000)]
    public void Exponential_DoublesFromTheFirstDelayUpToTheCap(int attempt, int expectedMs) =>
        Backoff.Exponential(TimeSpan.FromMilliseconds(500), attempt, TimeSpan.FromSeconds(10))
            .Should().Be(TimeSpan.FromMilliseconds(expectedMs));

    [Fact]
    public void Exponential_AfterVeryManyAttempts_StaysAtTheCapInsteadOfOverflowing() =>
        Backoff.Exponential(TimeSpan.FromHours(1), 10_000, TimeSpan.FromDays(1)).Should().Be(TimeSpan.FromDays(1));
}
