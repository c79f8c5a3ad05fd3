// chart-render renders a Helm chart the way `helm template` does, for machines where Helm cannot be
// installed. It uses the same pieces as Helm's template engine: Go's text/template, the sprig function
// library, Helm's own functions (include, tpl, required, fail, toYaml, ...) and Helm's rules for values
// (chart values, then each -f file, then each --set, deep-merged; null deletes a key).
//
// It covers what a single chart without subcharts needs; see README.md for what it leaves out.
//
//	chart-render [-f values.yaml]... [--set a.b=c]... [--set-string a.b=c]... [--name R] [--namespace N] [--kube-version v1.31.0] [--api-versions G/V]... [--notes] CHART_DIR
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	// Debian ships semver v3 at its GOPATH path (as sprig, which imports it as .../semver/v3)
	"github.com/Masterminds/semver"
	"github.com/Masterminds/sprig"
	"github.com/ghodss/yaml"
	yamlv3 "gopkg.in/yaml.v3"
)

type options struct {
	chartDir   string
	valueFiles []string
	sets       []string
	setStrings []string
	name       string
	namespace  string
	notes      bool
	kube       string
	apis       []string
}

func main() {
	opts, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		fmt.Fprintln(os.Stderr, "usage: chart-render [-f values.yaml]... [--set a.b=c]... [--set-string a.b=c]... [--name R] [--namespace N] [--kube-version v1.31.0] [--api-versions G/V]... [--notes] CHART_DIR")
		os.Exit(2)
	}
	out, err := render(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	fmt.Print(out)
}

func parseArgs(args []string) (options, error) {
	opts := options{name: "release-name", namespace: "default", kube: "v1.31.0"}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		next := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs a value", arg)
			}
			i++
			return args[i], nil
		}
		var err error
		var v string
		switch {
		case arg == "-f" || arg == "--values":
			v, err = next()
			opts.valueFiles = append(opts.valueFiles, v)
		case arg == "--set":
			v, err = next()
			opts.sets = append(opts.sets, v)
		case arg == "--set-string":
			v, err = next()
			opts.setStrings = append(opts.setStrings, v)
		case arg == "--name":
			opts.name, err = next()
		case arg == "-n" || arg == "--namespace":
			opts.namespace, err = next()
		case arg == "--kube-version":
			opts.kube, err = next()
		case arg == "-a" || arg == "--api-versions":
			v, err = next()
			opts.apis = append(opts.apis, v)
		case arg == "--notes":
			opts.notes = true
		case strings.HasPrefix(arg, "-"):
			err = fmt.Errorf("unknown option %s", arg)
		default:
			if opts.chartDir != "" {
				err = fmt.Errorf("one chart directory only (got %s and %s)", opts.chartDir, arg)
			}
			opts.chartDir = arg
		}
		if err != nil {
			return opts, err
		}
	}
	if opts.chartDir == "" {
		return opts, errors.New("no chart directory given")
	}
	return opts, nil
}

// readYAMLMap reads YAML the way Helm does (sigs.k8s.io/yaml, a fork of ghodss/yaml): through JSON, so
// numbers are float64 and keys are strings.
func readYAMLMap(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	return m, nil
}

// mergeValues deep-merges src into dst (src wins), as Helm coalesces -f files: maps merge, anything else is
// replaced, and a null deletes the key.
func mergeValues(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				dst[k] = mergeValues(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

var indexPart = regexp.MustCompile(`^(.*)\[(\d+)\]$`)

// applySet applies one --set a.b=c,d.e=f (or --set-string) the way Helm's strvals does for the cases a chart
// test needs: dotted keys (a backslash escapes a dot), list indexes key[0], {a,b} lists, and typed scalars
// (true/false, null, integers) unless asString.
func applySet(values map[string]interface{}, expr string, asString bool) error {
	for _, assignment := range splitTopLevel(expr, ',') {
		eq := strings.Index(assignment, "=")
		if eq <= 0 {
			return fmt.Errorf("--set %q: expected key=value", assignment)
		}
		key, raw := assignment[:eq], assignment[eq+1:]
		var value interface{}
		if strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") {
			list := []interface{}{}
			if inner := raw[1 : len(raw)-1]; inner != "" {
				for _, item := range strings.Split(inner, ",") {
					list = append(list, typedScalar(item, asString))
				}
			}
			value = list
		} else {
			value = typedScalar(raw, asString)
		}
		if err := setPath(values, splitKey(key), value); err != nil {
			return fmt.Errorf("--set %q: %w", assignment, err)
		}
	}
	return nil
}

func splitTopLevel(s string, sep rune) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '{':
			depth++
		case '}':
			depth--
		case sep:
			if depth == 0 && (i == 0 || s[i-1] != '\\') {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

func splitKey(key string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(key); i++ {
		if key[i] == '\\' && i+1 < len(key) && key[i+1] == '.' {
			cur.WriteByte('.')
			i++
			continue
		}
		if key[i] == '.' {
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(key[i])
	}
	return append(parts, cur.String())
}

func typedScalar(raw string, asString bool) interface{} {
	if asString {
		return raw
	}
	switch raw {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil && (raw == "0" || !strings.HasPrefix(raw, "0")) {
		return n
	}
	return raw
}

func setPath(m map[string]interface{}, keys []string, value interface{}) error {
	key := keys[0]
	index := -1
	if g := indexPart.FindStringSubmatch(key); g != nil {
		key = g[1]
		index, _ = strconv.Atoi(g[2])
	}
	if index < 0 {
		if len(keys) == 1 {
			if value == nil {
				delete(m, key)
			} else {
				m[key] = value
			}
			return nil
		}
		child, ok := m[key].(map[string]interface{})
		if !ok {
			child = map[string]interface{}{}
			m[key] = child
		}
		return setPath(child, keys[1:], value)
	}
	list, _ := m[key].([]interface{})
	for len(list) <= index {
		list = append(list, nil)
	}
	m[key] = list
	if len(keys) == 1 {
		list[index] = value
		return nil
	}
	child, ok := list[index].(map[string]interface{})
	if !ok {
		child = map[string]interface{}{}
		list[index] = child
	}
	return setPath(child, keys[1:], value)
}

// capabilities is what .Capabilities offers: a recent Kubernetes, and APIVersions.Has answering true for the
// API groups the chart's resources use (as `helm template` does without a cluster).
type capabilities struct {
	KubeVersion kubeVersion
	APIVersions apiVersions
	HelmVersion map[string]string
}

type kubeVersion struct{ Version, Major, Minor, GitVersion string }

func (k kubeVersion) String() string { return k.Version }

type apiVersions []string

func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

func chartMetadata(file string) (map[string]interface{}, error) {
	raw, err := readYAMLMap(file)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"apiVersion", "name", "version"} {
		if s, _ := raw[k].(string); s == "" {
			return nil, fmt.Errorf("%s: %s is required", file, k)
		}
	}
	// .Chart exposes Helm's Metadata struct, whose fields are capitalized (APIVersion, AppVersion, ...).
	meta := map[string]interface{}{}
	for k, v := range raw {
		name := strings.ToUpper(k[:1]) + k[1:]
		if k == "apiVersion" {
			name = "APIVersion"
		}
		meta[name] = v
	}
	for _, k := range []string{"AppVersion", "Description", "Type", "KubeVersion"} {
		if _, ok := meta[k]; !ok {
			meta[k] = ""
		}
	}
	return meta, nil
}

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func render(opts options) (string, error) {
	meta, err := chartMetadata(filepath.Join(opts.chartDir, "Chart.yaml"))
	if err != nil {
		return "", err
	}
	chartName := meta["Name"].(string)
	if meta["APIVersion"] != "v2" {
		return "", fmt.Errorf("Chart.yaml: apiVersion %v is not v2 (Helm 3)", meta["APIVersion"])
	}
	if meta["Type"] == "library" {
		return "", errors.New("Chart.yaml: a library chart cannot be rendered on its own")
	}
	kube, err := semver.NewVersion(opts.kube)
	if err != nil {
		return "", fmt.Errorf("--kube-version %q: %w", opts.kube, err)
	}
	// As Helm does before rendering: the chart's kubeVersion must admit the target Kubernetes.
	if constraint, _ := meta["KubeVersion"].(string); constraint != "" {
		c, err := semver.NewConstraint(constraint)
		if err != nil {
			return "", fmt.Errorf("Chart.yaml: kubeVersion %q: %w", constraint, err)
		}
		if !c.Check(kube) {
			return "", fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", constraint, opts.kube)
		}
	}
	values, err := readYAMLMap(filepath.Join(opts.chartDir, "values.yaml"))
	if err != nil {
		return "", err
	}
	for _, f := range opts.valueFiles {
		m, err := readYAMLMap(f)
		if err != nil {
			return "", err
		}
		values = mergeValues(values, m)
	}
	for _, s := range opts.sets {
		if err := applySet(values, s, false); err != nil {
			return "", err
		}
	}
	for _, s := range opts.setStrings {
		if err := applySet(values, s, true); err != nil {
			return "", err
		}
	}

	chartFiles, err := loadChartFiles(opts.chartDir)
	if err != nil {
		return "", err
	}

	// Every file under templates/ joins one template set, named chart/templates/file as in Helm, so that
	// include and .Template.Name work the same.
	files, err := filepath.Glob(filepath.Join(opts.chartDir, "templates", "*"))
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	root := template.New("root").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env") // Helm removes these: a chart must not read the machine it is rendered on.
	delete(funcs, "expandenv")
	includeDepth := 0
	funcs["include"] = func(name string, data interface{}) (string, error) {
		includeDepth++
		defer func() { includeDepth-- }()
		if includeDepth > 1000 {
			return "", fmt.Errorf("include %q: too deeply nested (recursive include?)", name)
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("tpl: %w", err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("tpl: %w", err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	funcs["toYaml"] = toYAML
	funcs["mustToYaml"] = func(v interface{}) (string, error) {
		data, err := yaml.Marshal(v)
		return strings.TrimSuffix(string(data), "\n"), err
	}
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["fromYamlArray"] = func(s string) []interface{} {
		a := []interface{}{}
		if err := yaml.Unmarshal([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	funcs["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	funcs["mustToJson"] = func(v interface{}) (string, error) {
		data, err := json.Marshal(v)
		return string(data), err
	}
	funcs["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["fromJsonArray"] = func(s string) []interface{} {
		a := []interface{}{}
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	root.Funcs(funcs)

	var names []string
	for _, f := range files {
		base := filepath.Base(f)
		if info, err := os.Stat(f); err != nil || info.IsDir() {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		name := path.Join(chartName, "templates", base)
		if _, err := root.New(name).Parse(string(data)); err != nil {
			return "", fmt.Errorf("parse error: %w", err)
		}
		names = append(names, name)
	}

	top := map[string]interface{}{
		"Values": values,
		"Chart":  meta,
		"Release": map[string]interface{}{
			"Name": opts.name, "Namespace": opts.namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": capabilities{
			KubeVersion: kubeVersion{Version: "v" + kube.String(), Major: strconv.FormatUint(kube.Major(), 10),
				Minor: strconv.FormatUint(kube.Minor(), 10), GitVersion: "v" + kube.String()},
			APIVersions: append(apiVersions{"v1", "apps/v1", "policy/v1", "dapr.io/v1alpha1"}, opts.apis...),
			HelmVersion: map[string]string{"Version": "v3.16.0"},
		},
		"Files": chartFiles,
	}

	var out strings.Builder
	var notes string
	for _, name := range names {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") {
			continue // partials: only defines
		}
		isNotes := base == "NOTES.txt"
		if !isNotes && !strings.HasSuffix(base, ".yaml") && !strings.HasSuffix(base, ".yml") && !strings.HasSuffix(base, ".tpl") {
			continue
		}
		if strings.HasSuffix(base, ".tpl") {
			continue
		}
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": name, "BasePath": path.Join(chartName, "templates")}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", fmt.Errorf("execution error: %w", err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if isNotes {
			notes = text
			continue
		}
		for _, doc := range splitDocs(text) {
			if err := checkYAML(doc); err != nil {
				return "", fmt.Errorf("YAML parse error on %s: %w\n%s", name, err, numbered(doc))
			}
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name, strings.TrimSpace(doc))
		}
	}
	if opts.notes {
		fmt.Fprintf(&out, "---\n# NOTES:\n%s\n", notes)
	}
	return out.String(), nil
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// splitDocs splits a rendered file into YAML documents and drops those with nothing but comments and
// whitespace, as Helm does.
func splitDocs(text string) []string {
	var docs []string
	for _, doc := range docSeparator.Split(text, -1) {
		empty := true
		for _, line := range strings.Split(doc, "\n") {
			t := strings.TrimSpace(line)
			if t != "" && !strings.HasPrefix(t, "#") {
				empty = false
				break
			}
		}
		if !empty {
			docs = append(docs, doc)
		}
	}
	return docs
}

func checkYAML(doc string) error {
	var v map[string]interface{}
	if err := yamlv3.Unmarshal([]byte(doc), &v); err != nil {
		return err
	}
	if _, ok := v["kind"]; !ok {
		return errors.New("document has no kind")
	}
	if _, ok := v["apiVersion"]; !ok {
		return errors.New("document has no apiVersion")
	}
	return nil
}

func numbered(doc string) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.Trim(doc, "\n"), "\n") {
		fmt.Fprintf(&b, "%4d | %s\n", i+1, line)
	}
	return b.String()
}
