global using System.Net;
global using System.Net.Http.Json;
global using System.Text.Json.Nodes;
global using LedgerX.Auth.IntegrationTests.Infrastructure;
global using Browser = LedgerX.Testing.Browser;
