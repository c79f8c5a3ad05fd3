namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>Waits for what events carry between services (read models, ownership projections) to arrive.</summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="check"/> until it stops throwing, or rethrows its last failure after the timeout.</summary>
    public static async Task SucceedsAsync(Func<Task> check, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            try
            {
                await check();
                return;
            }
            catch (Exception) when (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
        }
    }
}
