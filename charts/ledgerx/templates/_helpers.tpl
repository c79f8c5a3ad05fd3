{{/* Chart name, overridable with nameOverride. */}}
{{- define "ledgerx.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified name: the release name, plus the chart name unless the release already contains it. */}}
{{- define "ledgerx.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ledgerx.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "ledgerx.labels" -}}
helm.sh/chart: {{ include "ledgerx.chart" . }}
{{ include "ledgerx.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ledgerx
{{- with .Values.colour }}
ledgerx.io/colour: {{ include "ledgerx.colour" $ }}
{{- end }}
{{- end }}

{{/* The release's colour for blue/green (blue | green), or "" outside blue/green. */}}
{{- define "ledgerx.colour" -}}
{{- if and .Values.colour (not (has .Values.colour (list "blue" "green"))) }}
{{- fail (printf "colour must be blue, green or empty, not %q" .Values.colour) }}
{{- end }}
{{- .Values.colour }}
{{- end }}

{{/* True when this release renders only the blue/green route (blueGreen.route.enabled): every other template is off. */}}
{{- define "ledgerx.routeOnly" -}}
{{- if .Values.blueGreen.route.enabled }}true{{ end }}
{{- end }}

{{/* The Dapr secret store the services read their own secrets from: Dapr's built-in "kubernetes" or the Vault component. */}}
{{- define "ledgerx.secretStoreName" -}}
{{- $store := .Values.dapr.secretStore }}
{{- if eq $store.type "kubernetes" }}kubernetes
{{- else if eq $store.type "vault" }}{{ required "dapr.secretStore.vault.name is required" $store.vault.name }}
{{- else }}{{ fail (printf "dapr.secretStore.type must be kubernetes or vault, not %q" $store.type) }}
{{- end }}
{{- end }}

{{- define "ledgerx.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ledgerx.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The LedgerX apps this release deploys, as YAML: `include "ledgerx.apps" . | fromYaml` gives {apps: [...]}.
One entry per app: the key of its values, its Dapr app id (a contract: dapr.yaml's appID, and the name other
services invoke it by, so it is fixed, not derived from the release), the Secret key of its connection string, which
the app reads from the Dapr secret store at start-up (ADR 0025; the environment variable is used only by the ledger's
migration init container, which runs before the sidecar; none for the gateway, which has no database), the Secret key
of the certificate that encrypts its Data Protection key ring (read the same way; only the apps that keep one), and
the key of its settings map.
transaction-service is always deployed: the others invoke it.
*/}}
{{- define "ledgerx.apps" -}}
{{- if include "ledgerx.routeOnly" . }}
apps: []
{{- else }}
apps:
  - key: transactionService
    appId: transaction-service
    connectionStringEnv: ConnectionStrings__Ledger
    secretKey: ledger-connection-string
    settingsKey: ledgerSettings
{{- if .Values.fraudService.enabled }}
  - key: fraudService
    appId: fraud-service
    connectionStringEnv: ConnectionStrings__Fraud
    secretKey: fraud-connection-string
    settingsKey: settings
    secretStoreEnv: Fraud__ServiceToken__SecretStore
{{- end }}
{{- if .Values.analyticsService.enabled }}
  - key: analyticsService
    appId: analytics-service
    connectionStringEnv: ConnectionStrings__Analytics
    secretKey: analytics-connection-string
    settingsKey: settings
{{- end }}
{{- if .Values.authService.enabled }}
  - key: authService
    appId: auth-service
    connectionStringEnv: ConnectionStrings__Auth
    secretKey: auth-connection-string
    settingsKey: settings
    secretStoreEnv: Auth__SecretStore
{{- end }}
{{- if .Values.notificationService.enabled }}
  - key: notificationService
    appId: notification-service
    connectionStringEnv: ConnectionStrings__Notifications
    secretKey: notifications-connection-string
    keyRingSecretKey: notifications-keyring-certificate
    settingsKey: settings
    # It keeps no Dapr state (its own database holds everything): not in the statestore's scopes.
    noState: true
{{- end }}
{{- if .Values.nlpService.enabled }}
  - key: nlpService
    appId: nlp-service
    connectionStringEnv: ConnectionStrings__Nlp
    secretKey: nlp-connection-string
    keyRingSecretKey: nlp-keyring-certificate
    settingsKey: settings
    secretStoreEnv: Nlp__Model__SecretStore
    # Its questions, answers and ratings are in its own database: no Dapr state.
    noState: true
{{- end }}
{{- if .Values.gateway.enabled }}
  - key: gateway
    appId: gateway
    settingsKey: settings
    # Clients call it directly: no app token (its sidecar's API token still applies).
    appToken: false
    # It publishes nothing and keeps no state: the components are not scoped to it.
    noComponents: true
{{- end }}
{{- end }}
{{- end }}

{{/* Who may use the Dapr components: the deployed apps (but the gateway), plus dapr.extraScopes. */}}
{{- define "ledgerx.scopes" -}}
{{- if hasKey .Values.dapr "scopes" }}
{{- fail "dapr.scopes is no longer read: the components are scoped to the deployed apps; list other app ids in dapr.extraScopes" }}
{{- end }}
{{- $scopes := list }}
{{- range (include "ledgerx.apps" . | fromYaml).apps }}
{{- if not .noComponents }}
{{- $scopes = append $scopes .appId }}
{{- end }}
{{- end }}
{{- range .Values.dapr.extraScopes }}
{{- $scopes = append $scopes . }}
{{- end }}
{{- toYaml (uniq $scopes) }}
{{- end }}

{{/* Who may use the state store: the apps of ledgerx.scopes but those that keep no Dapr state (noState). */}}
{{- define "ledgerx.stateScopes" -}}
{{- $scopes := list }}
{{- range (include "ledgerx.apps" . | fromYaml).apps }}
{{- if not (or .noComponents .noState) }}
{{- $scopes = append $scopes .appId }}
{{- end }}
{{- end }}
{{- range .Values.dapr.extraScopes }}
{{- $scopes = append $scopes . }}
{{- end }}
{{- toYaml (uniq $scopes) }}
{{- end }}

{{/*
Objects of one app: (dict "root" $ "appId" "transaction-service"). The prefix is shortened, never the app id:
cutting "<fullname>-<app id>" at 63 characters would give a long release name the same, or a meaningless,
name for every app (three Deployments overwriting each other).
*/}}
{{- define "ledgerx.app.fullname" -}}
{{- $prefix := include "ledgerx.fullname" .root | trunc (int (sub 62 (len .appId))) | trimSuffix "-" }}
{{- printf "%s-%s" $prefix .appId }}
{{- end }}

{{- define "ledgerx.app.selectorLabels" -}}
{{ include "ledgerx.selectorLabels" .root }}
app.kubernetes.io/component: {{ .appId }}
{{- end }}

{{/* Kept for NOTES and for anyone who includes it: the name of transaction-service's objects. */}}
{{- define "ledgerx.transactionService.fullname" -}}
{{- include "ledgerx.app.fullname" (dict "root" . "appId" "transaction-service") }}
{{- end }}

{{/*
The Secret holding one app's Dapr token (key "token"): (dict "root" $ "appId" "fraud-service" "kind" "dapr-api-token")
or kind "app-api-token". One per app and kind, so a compromised app learns no other app's tokens.
*/}}
{{- define "ledgerx.tokenSecretName" -}}
{{- $prefix := include "ledgerx.fullname" .root | trunc (int (sub 61 (add (len .appId) (len .kind)))) | trimSuffix "-" }}
{{- printf "%s-%s-%s" $prefix .appId .kind }}
{{- end }}

{{/* The Secret with the connection strings. */}}
{{- define "ledgerx.secretName" -}}
{{- required "secrets.name is required" .Values.secrets.name }}
{{- end }}

{{/* A component's auth section: with Vault, its secretKeyRefs are read from the Vault component; with Kubernetes none
is needed (Dapr's built-in store). */}}
{{- define "ledgerx.componentAuth" -}}
{{- if eq .Values.dapr.secretStore.type "vault" }}
auth:
  secretStore: {{ include "ledgerx.secretStoreName" . }}
{{- end }}
{{- end }}

{{/*
A release-wide object's name: (dict "root" $ "suffix" "default-deny") gives "<fullname>-default-deny", shortening the
prefix, never the suffix, so it stays a DNS label of at most 63 characters for any release name.
*/}}
{{- define "ledgerx.suffixed" -}}
{{- $prefix := include "ledgerx.fullname" .root | trunc (int (sub 62 (len .suffix))) | trimSuffix "-" }}
{{- printf "%s-%s" $prefix .suffix }}
{{- end }}
