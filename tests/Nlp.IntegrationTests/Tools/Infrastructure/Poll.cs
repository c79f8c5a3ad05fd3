namespace LedgerX.Nlp.IntegrationTests.Tools.Infrastructure;

public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> until it holds, failing the test after <paramref name="timeout"/>
    /// (generous: the downstream apps share two cores with other builds).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}.");
            await Task.Delay(100);
        }
    }
}
