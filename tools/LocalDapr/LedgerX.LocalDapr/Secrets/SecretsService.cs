using Grpc.Core;
using LedgerX.LocalDapr.Api;

namespace LedgerX.LocalDapr.Secrets;

/// <summary>
/// The secrets API with daprd's errors (pkg/api/universal/secrets.go with pkg/messages/predefined.go): unknown store
/// InvalidArgument / HTTP 401, missing key ERR_SECRET_GET. daprd builds these as plain <c>messages.APIError</c>s, which
/// carry <c>errorCode</c> and message only (no google.rpc details, unlike its state and pub/sub errors), so neither do these.
/// </summary>
public sealed class SecretsService
{
    private readonly IReadOnlyDictionary<string, ISecretStore> _stores;

    public SecretsService(IReadOnlyDictionary<string, ISecretStore> stores) => _stores = stores;

    public IReadOnlyDictionary<string, string> Get(string storeName, string key)
    {
        var store = Resolve(storeName);
        return store.Get(key)
            ?? throw new DaprApiException(StatusCode.Internal, 500, "ERR_SECRET_GET", $"failed getting secret with key {key} from secret store {storeName}: secret {key} not found");
    }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> GetBulk(string storeName) => Resolve(storeName).GetBulk();

    private ISecretStore Resolve(string storeName)
    {
        if (_stores.Count == 0)
        {
            throw new DaprApiException(StatusCode.FailedPrecondition, 500, "ERR_SECRET_STORES_NOT_CONFIGURED", "secret store is not configured");
        }

        return _stores.TryGetValue(storeName ?? "", out var store)
            ? store
            : throw new DaprApiException(StatusCode.InvalidArgument, 401, "ERR_SECRET_STORE_NOT_FOUND", $"failed finding secret store with key {storeName}");
    }
}
