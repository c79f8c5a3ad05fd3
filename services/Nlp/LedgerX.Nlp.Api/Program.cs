using LedgerX.Nlp.Api;
using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Answering.Model;
using LedgerX.Nlp.Api.Infrastructure;
using LedgerX.Nlp.Api.Questions;
using LedgerX.Nlp.Api.Tools;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
await builder.AddSecretStoreConfigurationAsync(NlpDatabase.DatabaseSecret, QuestionsModule.KeyRingSecret);
builder.AddLedgerXAuthentication();
builder.AddNlpDatabase();
builder.AddNlpApi();
builder.AddQuestions();
builder.AddNlpTools();
builder.AddAnswering();
builder.AddModelAnswering();

var app = builder.Build();

app.UseServiceDefaults();
app.UseLedgerXAuthentication();
app.UseCloudEvents();
app.MapDefaultEndpoints();
app.MapApiReference();
app.MapSubscribeHandler();
app.MapQuestions();

await app.MigrateNlpDatabaseAsync();
await app.RunAsync();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
