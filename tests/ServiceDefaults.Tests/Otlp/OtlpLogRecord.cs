namespace LedgerX.ServiceDefaults.Tests.Otlp;

/// <summary>One log record of an OTLP <c>ExportLogsServiceRequest</c> (opentelemetry/proto/logs/v1/logs.proto).</summary>
internal sealed record OtlpLogRecord(
    IReadOnlyDictionary<string, string> Resource,
    string? Body,
    string TraceId,
    string SpanId,
    string? SeverityText,
    IReadOnlyDictionary<string, string> Attributes)
{
    // ExportLogsServiceRequest.resource_logs = 1; ResourceLogs.resource = 1, .scope_logs = 2; Resource.attributes = 1;
    // ScopeLogs.log_records = 2; LogRecord.severity_text = 3, .body = 5, .attributes = 6, .trace_id = 9, .span_id = 10;
    // KeyValue.key = 1, .value = 2; AnyValue.string_value = 1.
    public static IEnumerable<OtlpLogRecord> Decode(byte[] request)
    {
        foreach (var resourceLogs in ProtobufWire.Messages(request, 1))
        {
            var resource = ProtobufWire.Messages(resourceLogs, 1).Select(r => ReadAttributes(r, 1)).FirstOrDefault() ?? new Dictionary<string, string>();
            foreach (var scopeLogs in ProtobufWire.Messages(resourceLogs, 2))
            {
                foreach (var record in ProtobufWire.Messages(scopeLogs, 2))
                {
                    var fields = ProtobufWire.Read(record);
                    yield return new OtlpLogRecord(
                        resource,
                        fields.Where(f => f.Number == 5).Select(f => ProtobufWire.String(f.Bytes, 1)).FirstOrDefault(),
                        Hex(fields, 9),
                        Hex(fields, 10),
                        ProtobufWire.String(record, 3),
                        ReadAttributes(record, 6));
                }
            }
        }
    }

    private static Dictionary<string, string> ReadAttributes(ReadOnlyMemory<byte> message, int number)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in ProtobufWire.Messages(message, number))
        {
            var key = ProtobufWire.String(pair, 1);
            var value = ProtobufWire.Messages(pair, 2).Select(v => ProtobufWire.String(v, 1)).FirstOrDefault();
            if (key is not null && value is not null)
            {
                attributes[key] = value;
            }
        }

        return attributes;
    }

    private static string Hex(List<ProtobufWire.Field> fields, int number) =>
        fields.Where(f => f.Number == number).Select(f => Convert.ToHexStringLower(f.Bytes.Span)).FirstOrDefault() ?? "";
}
