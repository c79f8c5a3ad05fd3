using LedgerX.LocalDapr.Host;

// localdapr: `run -f <dir|dapr.yaml>` (multi-app launcher) or `sidecar --app-id ...` (a daprd stand-in).
return await Cli.RunAsync(args);
