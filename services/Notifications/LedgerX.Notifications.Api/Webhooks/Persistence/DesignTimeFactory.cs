using LedgerX.Notifications.Api.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore.Design;

namespace LedgerX.Notifications.Api.Webhooks.Persistence;

/// <summary>Lets `dotnet ef migrations add … --context WebhooksDbContext` build the model without a database.</summary>
internal sealed class WebhooksDesignTimeFactory : IDesignTimeDbContextFactory<WebhooksDbContext>
{
    public WebhooksDbContext CreateDbContext(string[] args) => new(ModuleDatabase.DesignTimeOptions<WebhooksDbContext>(WebhooksModule.Module));
}
