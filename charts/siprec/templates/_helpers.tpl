{{- define "siprec.fullname" -}}
{{- printf "%s-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "siprec.labels" -}}
app.kubernetes.io/name: siprec-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: siprec
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "siprec.selectorLabels" -}}
app.kubernetes.io/name: siprec-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
