using System.Text.Json.Nodes;
using LedgerX.Pact.Native;

namespace LedgerX.Pact;

/// <summary>One synchronous HTTP interaction (V4): provider states, the request the consumer sends, the response it relies on.</summary>
public sealed class InteractionBuilder
{
    private readonly List<(string State, string? ParamsJson)> _states = [];
    private readonly List<(string Name, string Value)> _query = [];
    private readonly List<(string Name, string Value)> _requestHeaders = [];
    private string? _method;
    private string? _path;
    private (string ContentType, string Json)? _requestBody;
    private ResponseBuilder? _response;

    internal InteractionBuilder(string description) => Description = description;

    internal string Description { get; }

    /// <summary>A provider state; <paramref name="parameters"/> (an object or dictionary) become the state's params.</summary>
    public InteractionBuilder Given(string providerState, object? parameters = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerState);
        string? paramsJson = null;
        if (parameters is not null)
        {
            var node = PactJson.ToNode(parameters);
            if (node is not JsonObject)
            {
                throw new ArgumentException("Provider state parameters must serialise to a JSON object.", nameof(parameters));
            }

            paramsJson = node.ToJsonString();
        }

        _states.Add((providerState, paramsJson));
        return this;
    }

    public InteractionBuilder WithRequest(string method, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _method = method.ToUpperInvariant();
        _path = path;
        return this;
    }

    /// <summary>A path with a matcher, e.g. <see cref="Match.FromProviderState"/> or <see cref="Match.Regex"/>.</summary>
    public InteractionBuilder WithRequest(string method, IMatcher path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        _method = method.ToUpperInvariant();
        _path = MatcherJson(path);
        return this;
    }

    /// <summary>A query parameter; call again with the same name for repeated values (?a=1&amp;a=2).</summary>
    public InteractionBuilder WithQuery(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        _query.Add((name, PlainValue(value)));
        return this;
    }

    public InteractionBuilder WithQuery(string name, IMatcher value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _query.Add((name, MatcherJson(value)));
        return this;
    }

    public InteractionBuilder WithHeader(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        _requestHeaders.Add((name, PlainValue(value)));
        return this;
    }

    public InteractionBuilder WithHeader(string name, IMatcher value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _requestHeaders.Add((name, MatcherJson(value)));
        return this;
    }

    /// <summary>A JSON request body: anonymous objects, dictionaries, arrays, JSON nodes; matchers may be nested anywhere.</summary>
    public InteractionBuilder WithJsonBody(object body)
    {
        ArgumentNullException.ThrowIfNull(body);
        _requestBody = ("application/json", PactJson.Serialize(body));
        return this;
    }

    public ResponseBuilder WillRespond() => _response ??= new ResponseBuilder();

    /// <summary>Declares this interaction on a fresh pact handle (the mock server has not started yet).</summary>
    internal void Declare(ushort pact)
    {
        if (_method is null || _path is null)
        {
            throw new InvalidOperationException($"Interaction '{Description}' has no request: call WithRequest(method, path).");
        }

        if (_response is null)
        {
            throw new InvalidOperationException($"Interaction '{Description}' has no response: call WillRespond().");
        }

        var interaction = NativeMethods.pactffi_new_interaction(pact, Description);
        foreach (var (state, paramsJson) in _states)
        {
            if (paramsJson is null)
            {
                Check(NativeMethods.pactffi_given(interaction, state), $"provider state '{state}'");
            }
            else
            {
                var rc = NativeMethods.pactffi_given_with_params(interaction, state, paramsJson);
                Check(rc == 0, $"provider state '{state}' with params {paramsJson} (error {rc})");
            }
        }

        Check(NativeMethods.pactffi_with_request(interaction, _method, _path), $"request {_method} {_path}");

        foreach (var group in _query.GroupBy(q => q.Name, StringComparer.Ordinal))
        {
            nuint index = 0;
            foreach (var (name, value) in group)
            {
                Check(NativeMethods.pactffi_with_query_parameter_v2(interaction, name, index++, value), $"query parameter '{name}'");
            }
        }

        DeclareHeaders(interaction, InteractionPart.Request, _requestHeaders);
        if (_requestBody is { } body)
        {
            Check(NativeMethods.pactffi_with_body(interaction, (int)InteractionPart.Request, body.ContentType, body.Json), "request body");
        }

        _response.Declare(interaction, Description);

        void Check(bool ok, string what)
        {
            if (!ok)
            {
                throw new InvalidOperationException($"pact_ffi refused the {what} of interaction '{Description}'.");
            }
        }
    }

    internal static void DeclareHeaders(uint interaction, InteractionPart part, IEnumerable<(string Name, string Value)> headers)
    {
        foreach (var group in headers.GroupBy(h => h.Name, StringComparer.OrdinalIgnoreCase))
        {
            nuint index = 0;
            foreach (var (name, value) in group)
            {
                if (!NativeMethods.pactffi_with_header_v2(interaction, (int)part, name, index++, value))
                {
                    throw new InvalidOperationException($"pact_ffi refused the {part.ToString().ToLowerInvariant()} header '{name}'.");
                }
            }
        }
    }

    internal static string MatcherJson(IMatcher matcher) => matcher switch
    {
        IntegrationMatcher m => m.ToJson().ToJsonString(),
        null => throw new ArgumentNullException(nameof(matcher)),
        _ => throw new ArgumentException($"Unknown matcher {matcher.GetType()}: use the ones from LedgerX.Pact.Match.", nameof(matcher)),
    };

    /// <summary>
    /// The _v2 functions read a value that parses as a JSON object as a matcher document; anything else is taken
    /// literally. A plain value that happens to be a JSON object is wrapped as <c>{"value": ...}</c>, which pact_ffi
    /// unwraps to the literal text without adding a rule.
    /// </summary>
    internal static string PlainValue(string value) =>
        value.TrimStart().StartsWith('{') ? new JsonObject { ["value"] = value }.ToJsonString() : value;
}

internal enum InteractionPart
{
    Request = 0,
    Response = 1,
}
