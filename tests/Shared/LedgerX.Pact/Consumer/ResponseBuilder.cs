using LedgerX.Pact.Native;

namespace LedgerX.Pact;

/// <summary>The response the consumer relies on: only what its code reads needs to be declared.</summary>
public sealed class ResponseBuilder
{
    private readonly List<(string Name, string Value)> _headers = [];
    private int _status = 200;
    private (string ContentType, string Json)? _body;

    internal ResponseBuilder()
    {
    }

    public ResponseBuilder WithStatus(int status)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(status, 599);
        _status = status;
        return this;
    }

    public ResponseBuilder WithHeader(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        _headers.Add((name, InteractionBuilder.PlainValue(value)));
        return this;
    }

    public ResponseBuilder WithHeader(string name, IMatcher value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _headers.Add((name, InteractionBuilder.MatcherJson(value)));
        return this;
    }

    /// <summary>A JSON body (with nested matchers); <paramref name="contentType"/> becomes the Content-Type header.</summary>
    public ResponseBuilder WithJsonBody(object body, string contentType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        _body = (contentType, PactJson.Serialize(body));
        return this;
    }

    internal void Declare(uint interaction, string description)
    {
        if (!NativeMethods.pactffi_response_status(interaction, (ushort)_status))
        {
            throw new InvalidOperationException($"pact_ffi refused the response status of interaction '{description}'.");
        }

        InteractionBuilder.DeclareHeaders(interaction, InteractionPart.Response, _headers);
        if (_body is { } body
            && !NativeMethods.pactffi_with_body(interaction, (int)InteractionPart.Response, body.ContentType, body.Json))
        {
            throw new InvalidOperationException($"pact_ffi refused the response body of interaction '{description}'.");
        }
    }
}
