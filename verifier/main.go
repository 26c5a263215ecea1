// kubestrap-verifier: the in-cluster half of `kubestrap verify`, run by the CronJob the
// continuous-verification step renders. It only reads: the checks come from a ConfigMap kubestrap
// writes (each an API path and what the object there must look like), every object is fetched
// with the pod's ServiceAccount (RBAC allows exactly those reads), and the results are patched
// into one results ConfigMap (the only write RBAC allows). It exits 0 when it wrote the results,
// failing checks included (they set the drift label), so the CronJob's last successful run is
// the scorecard's freshness; it exits 1 only when it could not read its checks or write results.
// Standard library only: no client-go, so the image is one small static binary.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

const saDir = "/var/run/secrets/kubernetes.io/serviceaccount"

type check struct {
	Description string            `json:"description"`
	Path        string            `json:"path,omitempty"`
	Expect      string            `json:"expect"` // exists | labels | default-storageclass | phase | skipped
	Labels      map[string]string `json:"labels,omitempty"`
	Name        string            `json:"name,omitempty"`
	Phase       string            `json:"phase,omitempty"`
	Reason      string            `json:"reason,omitempty"`
}

type result struct {
	Description string `json:"description"`
	Status      string `json:"status"`
	Message     string `json:"message,omitempty"`
}

type client struct {
	http  *http.Client
	base  string
	token string
}

func newClient() (*client, error) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, fmt.Errorf("KUBERNETES_SERVICE_HOST/PORT are not set: not running in a pod")
	}
	token, err := os.ReadFile(saDir + "/token")
	if err != nil {
		return nil, fmt.Errorf("no ServiceAccount token (automountServiceAccountToken must be true): %w", err)
	}
	ca, err := os.ReadFile(saDir + "/ca.crt")
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("%s/ca.crt holds no certificate", saDir)
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return &client{
		http:  &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}},
		base:  "https://" + host + ":" + port,
		token: strings.TrimSpace(string(token)),
	}, nil
}

// do returns the status code and body; err only for transport failures.
func (c *client) do(method, path, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp.StatusCode, data, err
}

type object struct {
	Metadata struct {
		Name        string            `json:"name"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Status struct {
		Phase   string `json:"phase"`
		Message string `json:"message"`
	} `json:"status"`
	Items []object          `json:"items"`
	Data  map[string]string `json:"data"`
}

func evaluate(c *client, ch check) result {
	r := result{Description: ch.Description}
	if ch.Expect == "skipped" {
		r.Status, r.Message = "skipped", "skipped: "+ch.Reason
		return r
	}
	code, body, err := c.do(http.MethodGet, ch.Path, "", nil)
	switch {
	case err != nil:
		r.Status, r.Message = "failed", fmt.Sprintf("GET %s: %v", ch.Path, err)
		return r
	case code == http.StatusNotFound:
		r.Status, r.Message = "failed", fmt.Sprintf("%s does not exist", ch.Path)
		return r
	case code == http.StatusForbidden:
		r.Status, r.Message = "failed", fmt.Sprintf("GET %s is forbidden: the verifier's ClusterRole does not match its checks (re-run kubestrap up)", ch.Path)
		return r
	case code != http.StatusOK:
		r.Status, r.Message = "failed", fmt.Sprintf("GET %s answered %d: %s", ch.Path, code, strings.TrimSpace(string(body)))
		return r
	}
	var obj object
	if err := json.Unmarshal(body, &obj); err != nil {
		r.Status, r.Message = "failed", fmt.Sprintf("GET %s: unreadable answer: %v", ch.Path, err)
		return r
	}
	r.Status = "ok"
	switch ch.Expect {
	case "exists":
	case "labels":
		var wrong []string
		for k, v := range ch.Labels {
			if obj.Metadata.Labels[k] != v {
				wrong = append(wrong, k+"="+v)
			}
		}
		if len(wrong) > 0 {
			r.Status, r.Message = "failed", fmt.Sprintf("%s lacks %s", obj.Metadata.Name, strings.Join(wrong, ", "))
		}
	case "default-storageclass":
		var defaults []string
		for _, sc := range obj.Items {
			if sc.Metadata.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
				defaults = append(defaults, sc.Metadata.Name)
			}
		}
		// No name: any one class will do, as long as exactly one is the default.
		if len(defaults) != 1 || (ch.Name != "" && defaults[0] != ch.Name) {
			want := "one"
			if ch.Name != "" {
				want = ch.Name
			}
			r.Status, r.Message = "failed", fmt.Sprintf("default StorageClasses: [%s], expected exactly %s", strings.Join(defaults, ", "), want)
		}
	case "phase":
		if obj.Status.Phase != ch.Phase {
			r.Status, r.Message = "failed", fmt.Sprintf("%s is %q, expected %s %s", obj.Metadata.Name, obj.Status.Phase, ch.Phase, obj.Status.Message)
		}
	default:
		r.Status, r.Message = "failed", fmt.Sprintf("this verifier does not know the expectation %q (kubestrap and the verifier image differ in version)", ch.Expect)
	}
	return r
}

func run() error {
	ns, checksName, resultsName, driftLabel := os.Getenv("KUBESTRAP_NAMESPACE"), os.Getenv("KUBESTRAP_CHECKS"), os.Getenv("KUBESTRAP_RESULTS"), os.Getenv("KUBESTRAP_DRIFT_LABEL")
	if ns == "" || checksName == "" || resultsName == "" || driftLabel == "" {
		return fmt.Errorf("set KUBESTRAP_NAMESPACE, KUBESTRAP_CHECKS, KUBESTRAP_RESULTS and KUBESTRAP_DRIFT_LABEL")
	}
	c, err := newClient()
	if err != nil {
		return err
	}
	code, body, err := c.do(http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps/"+checksName, "", nil)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("reading ConfigMap %s/%s: %d %v %s", ns, checksName, code, err, strings.TrimSpace(string(body)))
	}
	var cm object
	var checks []check
	if err := json.Unmarshal(body, &cm); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(cm.Data["checks.json"]), &checks); err != nil {
		return fmt.Errorf("ConfigMap %s/%s: checks.json: %w", ns, checksName, err)
	}
	results := make([]result, 0, len(checks))
	counts := map[string]int{}
	for _, ch := range checks {
		r := evaluate(c, ch)
		counts[r.Status]++
		results = append(results, r)
		fmt.Printf("%-7s %s %s\n", r.Status, r.Description, r.Message)
	}
	encoded, _ := json.MarshalIndent(results, "", " ")
	patch, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{"labels": map[string]string{driftLabel: fmt.Sprint(counts["failed"] > 0)}},
		"data": map[string]string{
			"updated-at":  time.Now().UTC().Format(time.RFC3339),
			"summary":     fmt.Sprintf("%d ok, %d failed, %d skipped", counts["ok"], counts["failed"], counts["skipped"]),
			"checks.json": string(encoded),
		},
	})
	code, body, err = c.do(http.MethodPatch, "/api/v1/namespaces/"+ns+"/configmaps/"+resultsName, "application/merge-patch+json", patch)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("writing the results to ConfigMap %s/%s: %d %v %s", ns, resultsName, code, err, strings.TrimSpace(string(body)))
	}
	fmt.Printf("%d ok, %d failed, %d skipped; results in ConfigMap %s/%s\n", counts["ok"], counts["failed"], counts["skipped"], ns, resultsName)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "kubestrap-verifier:", err)
		os.Exit(1)
	}
}
