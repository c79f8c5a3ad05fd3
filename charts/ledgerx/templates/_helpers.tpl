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
{{- end }}

{{- define "ledgerx.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ledgerx.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Objects of transaction-service. */}}
{{- define "ledgerx.transactionService.fullname" -}}
{{- printf "%s-transaction-service" (include "ledgerx.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ledgerx.transactionService.selectorLabels" -}}
{{ include "ledgerx.selectorLabels" . }}
app.kubernetes.io/component: transaction-service
{{- end }}

{{- define "ledgerx.transactionService.image" -}}
{{- $image := .Values.transactionService.image }}
{{- printf "%s:%s" $image.repository (default .Chart.AppVersion $image.tag) }}
{{- end }}

{{/* The Secret with the connection strings. */}}
{{- define "ledgerx.secretName" -}}
{{- required "secrets.name is required" .Values.secrets.name }}
{{- end }}
