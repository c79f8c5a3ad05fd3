package main

import (
	"encoding/base64"
	"os"
	"path"
	"path/filepath"
	"strings"

)

// chartFiles is Helm's .Files: every file of the chart outside templates/ (and Chart.yaml, values.yaml), by its
// path relative to the chart, with Helm's methods. The chart reads its copies of observability/ through it
// (PrometheusRules, dashboard ConfigMaps). Glob matches with path.Match per segment, so `files/rules/*.yaml`
// works; Helm's `**` does not.
type chartFiles map[string][]byte

func loadChartFiles(chartDir string) (chartFiles, error) {
	files := chartFiles{}
	err := filepath.Walk(chartDir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(chartDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if info.IsDir() {
			if rel == "templates" || rel == "charts" {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == "Chart.yaml" || rel == "values.yaml" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[rel] = data
		return nil
	})
	return files, err
}

// Get is the file's text, "" when there is no such file (as in Helm).
func (f chartFiles) Get(name string) string { return string(f[name]) }

// GetBytes is the file's bytes.
func (f chartFiles) GetBytes(name string) []byte { return f[name] }

// Glob is the files whose paths match pattern.
func (f chartFiles) Glob(pattern string) chartFiles {
	out := chartFiles{}
	for name, data := range f {
		if ok, _ := path.Match(pattern, name); ok {
			out[name] = data
		}
	}
	return out
}

// Lines is the file's lines.
func (f chartFiles) Lines(name string) []string {
	s := strings.TrimSuffix(string(f[name]), "\n")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

// AsConfig is the files as a ConfigMap's data: base name → text, as YAML.
func (f chartFiles) AsConfig() string {
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = string(data)
	}
	return toYAML(m)
}

// AsSecrets is the files as a Secret's data: base name → base64.
func (f chartFiles) AsSecrets() string {
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = base64.StdEncoding.EncodeToString(data)
	}
	return toYAML(m)
}
