package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

func sign(method jwt.SigningMethod, claims jwt.MapClaims, secret string) string {
	tok, err := jwt.NewWithClaims(method, claims).SignedString([]byte(secret))
	if err != nil {
		panic(err)
	}
	return tok
}

// multipartBody builds an upload body from parts; a part named "file" is a file.
func multipartBody(parts map[string]string) (string, *bytes.Buffer) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range parts {
		if k == "file" {
			fw, _ := mw.CreateFormFile("file", "botDefinition.json")
			fw.Write([]byte(v))
		} else {
			mw.WriteField(k, v)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), &b
}

// TestErrorCatalogue walks the contract's error catalogue (section 3) over
// real HTTP: each case asserts status, msg and code exactly.
func TestErrorCatalogue(t *testing.T) {
	const uploadLimit, bodyLimit = 300_000, 4096
	ts := startServer(t, "--upload-limit", fmt.Sprint(uploadLimit), "--body-limit", fmt.Sprint(bodyLimit))
	ctx := context.Background()
	a := ts.client()                                       // account default, both scopes
	b := ts.createApp(t, "other", "bot_import")            // another account
	exportOnly := ts.createApp(t, "default", "bot_export") // same account, wrong scope

	// Content of account default: a bot, an import, files.
	demo := fixture.Get(t, "demobot1-full")
	req := uploadExport(t, a, demo)
	start, err := a.ImportNew(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	done := wait(t, a, start.ID)
	botA, birA, fileA := done.StreamID, done.ID, req.BotDefinition
	fileB := uploadPath(t, b, demo.File("config.json"))
	ubDef := uploadPath(t, a, writeTemp(t, "ub.json", []byte(`{"type":"universalbot","defaultLanguage":"en","localeData":{"en":{"name":"UB"}},"dialogs":[],"dialogComponents":[]}`)))

	now := time.Now()
	good := sign(jwt.SigningMethodHS256, jwt.MapClaims{"appId": ts.AppID, "sub": "t"}, ts.Secret)
	tokB := sign(jwt.SigningMethodHS256, jwt.MapClaims{"appId": b.AppID}, b.Secret)
	tokExportOnly := sign(jwt.SigningMethodHS256, jwt.MapClaims{"appId": exportOnly.AppID}, exportOnly.Secret)
	claims := func(extra jwt.MapClaims) jwt.MapClaims {
		m := jwt.MapClaims{"appId": ts.AppID}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	p := ts.URL + "/api/public"
	jsonH := func(tok string) map[string]string {
		return map[string]string{"auth": tok, "Content-Type": "application/json"}
	}
	validImport := fmt.Sprintf(`{"botDefinition":%q,"configInfo":%q,"icon":%q}`, req.BotDefinition, req.ConfigInfo, req.Icon)
	mpType := func(parts map[string]string) (string, string) {
		ct, body := multipartBody(parts)
		return ct, body.String()
	}
	bigCT, bigBody := mpType(map[string]string{"file": strings.Repeat("x", uploadLimit+1), "fileContext": "bulkImport", "fileExtension": "json"})
	emptyCT, emptyBody := mpType(map[string]string{"file": "", "fileContext": "bulkImport", "fileExtension": "json"})
	noCtxCT, noCtxBody := mpType(map[string]string{"file": "{}", "fileExtension": "json"})
	exeCT, exeBody := mpType(map[string]string{"file": "{}", "fileContext": "bulkImport", "fileExtension": "exe"})
	junkCT, junkBody := mpType(map[string]string{"file": "{}", "fileContext": "bulkImport", "fileExtension": "json", "junk": strings.Repeat("j", uploadLimit+bodyLimit)})
	// An upload whose body ends inside the file part (no closing boundary).
	cutCT := "multipart/form-data; boundary=XX"
	cutBody := "--XX\r\nContent-Disposition: form-data; name=\"fileContext\"\r\n\r\nbulkImport\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"fileExtension\"\r\n\r\njson\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n{\"a\":1}"
	form := func(tok string) map[string]string {
		return map[string]string{"auth": tok, "Content-Type": "application/x-www-form-urlencoded"}
	}
	validForm := fmt.Sprintf("botDefinition=%s&configInfo=%s&icon=%s", req.BotDefinition, req.ConfigInfo, req.Icon)

	type want struct {
		status int
		msg    string
		code   int
	}
	var (
		noCreds   = want{401, "Invalid SDK credentials", 4002}
		notJWT    = want{401, "Invalid JWT token", 4002}
		scope     = want{401, "Permission denied. Scope is incorrect!", 4002}
		method    = want{405, "Method Not Allowed", 405}
		notFound  = want{404, "Not Found", 404}
		invalid   = want{412, "Validation errors/ Invalid arguments", 412}
		fileID    = want{400, "Invalid file id", 400}
		streamID  = want{400, "Invalid StreamId", 400}
		requestID = want{400, "Invalid request ID", 400}
		ok        = want{200, "", 0}
	)
	ub := "The file contains the definition of the Universal Bots built using an older version. This version is no longer supported and the file cannot be imported."
	tests := []struct {
		name         string
		method, path string
		header       map[string]string
		body         string
		want         want
	}{
		{"no token", "GET", p + "/bots", nil, "", noCreds},
		{"not a JWT", "GET", p + "/bots", map[string]string{"auth": "abc"}, "", notJWT},
		{"segments not JSON", "GET", p + "/bots", map[string]string{"auth": "YWJj.YWJj.YWJj"}, "", notJWT},
		{"bad signature", "GET", p + "/bots", map[string]string{"auth": sign(jwt.SigningMethodHS256, claims(nil), "wrong")}, "", noCreds},
		{"unknown app", "GET", p + "/bots", map[string]string{"auth": sign(jwt.SigningMethodHS256, jwt.MapClaims{"appId": "cs-00000000-0000-4000-8000-000000000000"}, ts.Secret)}, "", noCreds},
		{"appid is not appId", "GET", p + "/bots", map[string]string{"auth": sign(jwt.SigningMethodHS256, jwt.MapClaims{"appid": ts.AppID}, ts.Secret)}, "", noCreds},
		{"expired", "GET", p + "/bots", map[string]string{"auth": sign(jwt.SigningMethodHS256, claims(jwt.MapClaims{"exp": now.Add(-time.Hour).Unix()}), ts.Secret)}, "", noCreds},
		{"expired within leeway", "GET", p + "/bots", map[string]string{"auth": sign(jwt.SigningMethodHS256, claims(jwt.MapClaims{"exp": now.Add(-30 * time.Second).Unix()}), ts.Secret)}, "", ok},
		{"fractional exp", "GET", p + "/bots", map[string]string{"auth": sign(jwt.SigningMethodHS256, claims(jwt.MapClaims{"exp": float64(now.Unix()) + 600.5}), ts.Secret)}, "", ok},
		{"not yet valid", "GET", p + "/bots", map[string]string{"auth": sign(jwt.SigningMethodHS256, claims(jwt.MapClaims{"nbf": now.Add(time.Hour).Unix()}), ts.Secret)}, "", noCreds},
		{"issued in the future", "GET", p + "/bots", map[string]string{"auth": sign(jwt.SigningMethodHS256, claims(jwt.MapClaims{"iat": now.Add(time.Hour).Unix()}), ts.Secret)}, "", noCreds},
		{"non-numeric exp", "GET", p + "/bots", map[string]string{"auth": sign(jwt.SigningMethodHS256, claims(jwt.MapClaims{"exp": "tomorrow"}), ts.Secret)}, "", noCreds},
		{"alg differs from the app's", "GET", p + "/bots", map[string]string{"auth": sign(jwt.SigningMethodHS512, claims(nil), ts.Secret)}, "", noCreds},
		{"alg none", "GET", p + "/bots", map[string]string{"auth": noneToken(ts.AppID)}, "", noCreds},
		{"Bearer in auth", "GET", p + "/bots", map[string]string{"auth": "Bearer " + good}, "", ok},
		{"Authorization Bearer", "GET", p + "/bots", map[string]string{"Authorization": "Bearer " + good}, "", ok},
		{"auth wins over Authorization", "GET", p + "/bots", map[string]string{"auth": "abc", "Authorization": "Bearer " + good}, "", notJWT},
		{"auth holding only Bearer is no token", "GET", p + "/bots", map[string]string{"auth": "Bearer "}, "", noCreds},
		{"scope missing on upload", "POST", p + "/uploadfile", map[string]string{"auth": tokExportOnly}, "", scope},
		{"scope missing on Get Bots", "GET", p + "/bots", map[string]string{"auth": tokExportOnly}, "", scope},
		{"405 before credentials", "GET", p + "/uploadfile", nil, "", method},
		{"405 on Get Bots", "DELETE", p + "/bots", map[string]string{"auth": good}, "", method},
		{"405 on import", "GET", p + "/bot/import", map[string]string{"auth": good}, "", method},
		{"404 unknown route", "GET", p + "/nope", map[string]string{"auth": good}, "", notFound},
		{"404 outside the API", "GET", ts.URL + "/x", nil, "", notFound},
		{"trailing slash", "GET", p + "/bots/", map[string]string{"auth": good}, "", ok},
		{"two trailing slashes", "GET", p + "/bots//", map[string]string{"auth": good}, "", notFound},
		{"doubled slash inside", "GET", ts.URL + "/api/public//bots", map[string]string{"auth": good}, "", notFound},
		{"dot-dot segment", "GET", p + "/x/../bots", map[string]string{"auth": good}, "", notFound},
		{"doubled slash on a POST", "POST", p + "//bot/import", jsonH(good), validImport, notFound},
		{"malformed JSON", "POST", p + "/bot/import", jsonH(good), `{"botDefinition":`, invalid},
		{"trailing data", "POST", p + "/bot/import", jsonH(good), validImport + ` x`, invalid},
		{"not an object", "POST", p + "/bot/import", jsonH(good), `[1]`, invalid},
		{"missing configInfo", "POST", p + "/bot/import", jsonH(good), fmt.Sprintf(`{"botDefinition":%q,"icon":%q}`, req.BotDefinition, req.Icon), invalid},
		{"missing icon for a new bot", "POST", p + "/bot/import", jsonH(good), fmt.Sprintf(`{"botDefinition":%q,"configInfo":%q}`, req.BotDefinition, req.ConfigInfo), invalid},
		{"empty string is absent", "POST", p + "/bot/import", jsonH(good), fmt.Sprintf(`{"botDefinition":%q,"configInfo":"","icon":%q}`, req.BotDefinition, req.Icon), invalid},
		{"mistyped field", "POST", p + "/bot/import", jsonH(good), `{"botDefinition":1,"configInfo":"a","icon":"b"}`, invalid},
		{"unknown uploadMode", "POST", p + "/bot/import", jsonH(good), `{"uploadMode":"xml"}`, invalid},
		{"name of spaces only", "POST", p + "/bot/import", jsonH(good), strings.TrimSuffix(validImport, "}") + `,"name":"   "}`, invalid},
		{"empty botFunctions in a form is absent", "POST", p + "/bot/import", form(good), validForm + "&botFunctions=&botFunctions[]=", ok},
		{"empty botFunctions element is absent", "POST", p + "/bot/import", jsonH(good), strings.TrimSuffix(validImport, "}") + `,"botFunctions":[""]}`, ok},
		{"null botFunctions element", "POST", p + "/bot/import", jsonH(good), strings.TrimSuffix(validImport, "}") + `,"botFunctions":[null]}`, invalid},
		{"name too long", "POST", p + "/bot/import", jsonH(good), strings.TrimSuffix(validImport, "}") + `,"name":"` + strings.Repeat("n", 101) + `"}`, invalid},
		{"bad purpose", "POST", p + "/bot/import", jsonH(good), strings.TrimSuffix(validImport, "}") + `,"purpose":"robot"}`, invalid},
		{"ZIP without zipInfo", "POST", p + "/bot/import", jsonH(good), `{"uploadMode":"zip"}`, invalid},
		{"upload not multipart", "POST", p + "/uploadfile", jsonH(good), `{}`, invalid},
		{"upload without fileContext", "POST", p + "/uploadfile", map[string]string{"auth": good, "Content-Type": noCtxCT}, noCtxBody, invalid},
		{"upload with an unknown extension", "POST", p + "/uploadfile", map[string]string{"auth": good, "Content-Type": exeCT}, exeBody, invalid},
		{"empty upload", "POST", p + "/uploadfile", map[string]string{"auth": good, "Content-Type": emptyCT}, emptyBody, invalid},
		{"upload over the limit", "POST", p + "/uploadfile", map[string]string{"auth": good, "Content-Type": bigCT}, bigBody, want{413, fmt.Sprintf("File too large: the limit is %d bytes", uploadLimit), 413}},
		{"upload with an extra part over the limit", "POST", p + "/uploadfile", map[string]string{"auth": good, "Content-Type": junkCT}, junkBody, want{413, fmt.Sprintf("File too large: the limit is %d bytes", uploadLimit), 413}},
		{"upload cut short", "POST", p + "/uploadfile", map[string]string{"auth": good, "Content-Type": cutCT}, cutBody, invalid},
		{"body over the limit", "POST", p + "/bot/import", jsonH(good), `{"name":"` + strings.Repeat("n", bodyLimit) + `"}`, want{413, fmt.Sprintf("Request body too large: the limit is %d bytes", bodyLimit), 413}},
		{"Get Bots negative offset", "GET", p + "/bots?offset=-1", map[string]string{"auth": good}, "", invalid},
		{"Get Bots zero limit", "GET", p + "/bots?limit=0", map[string]string{"auth": good}, "", invalid},
		{"Get Bots limit not a number", "GET", p + "/bots?limit=ten", map[string]string{"auth": good}, "", invalid},
		{"malformed file id", "POST", p + "/bot/import", jsonH(good), strings.Replace(validImport, req.BotDefinition, "zzz", 1), fileID},
		{"unknown file id", "POST", p + "/bot/import", jsonH(good), strings.Replace(validImport, req.ConfigInfo, "0123456789abcdef01234567", 1), fileID},
		{"another account's file id", "POST", p + "/bot/import", jsonH(good), strings.Replace(validImport, req.ConfigInfo, fileB, 1), fileID},
		{"unknown bot function file", "POST", p + "/bot/import", jsonH(good), strings.TrimSuffix(validImport, "}") + `,"botFunctions":"0123456789abcdef01234567"}`, fileID},
		{"malformed bot id", "POST", p + "/bot/st-nope/import", jsonH(good), validImport, streamID},
		{"unknown bot id", "POST", p + "/bot/st-00000000-0000-4000-8000-000000000000/import", jsonH(good), validImport, streamID},
		{"another account's bot", "POST", p + "/bot/" + botA + "/import", jsonH(tokB), strings.NewReplacer(req.BotDefinition, fileB, req.ConfigInfo, fileB).Replace(validImport), streamID},
		{"body rules before bot id", "POST", p + "/bot/st-nope/import", jsonH(good), `{"uploadMode":"xml"}`, invalid},
		{"malformed BIR", "GET", p + "/bot/import/status/bir-x", map[string]string{"auth": good}, "", requestID},
		{"unknown BIR", "GET", p + "/bot/import/status/bir-00000000-0000-4000-8000-000000000000", map[string]string{"auth": good}, "", requestID},
		{"another account's BIR", "GET", p + "/bot/import/status/" + birA, map[string]string{"auth": tokB}, "", requestID},
		{"own BIR", "GET", p + "/bot/import/status/" + birA, map[string]string{"auth": good}, "", ok},
		{"nothing selected", "POST", p + "/bot/" + botA + "/import", jsonH(good), strings.TrimSuffix(validImport, "}") + `,"importOptions":{"tasks":["bogus"]}}`, want{400, "Please select at least one component", 400}},
		{"importOptions mistyped", "POST", p + "/bot/" + botA + "/import", jsonH(good), strings.TrimSuffix(validImport, "}") + `,"importOptions":{"tasks":"botTask"}}`, invalid},
		{"old Universal Bot, new bot", "POST", p + "/bot/import", jsonH(good), strings.Replace(validImport, req.BotDefinition, ubDef, 1), want{400, ub, 400}},
		{"old Universal Bot, existing bot", "POST", p + "/bot/" + botA + "/import", jsonH(good), strings.Replace(validImport, req.BotDefinition, ubDef, 1), want{422, ub, 422}},
		{"bot functions not an array", "POST", p + "/bot/" + botA + "/import/botfunctions", jsonH(good), `"x"`, invalid},
		{"bot functions without fileName", "POST", p + "/bot/" + botA + "/import/botfunctions", jsonH(good), fmt.Sprintf(`[{"fileId":%q}]`, fileA), invalid},
		{"bot functions name with a slash", "POST", p + "/bot/" + botA + "/import/botfunctions", jsonH(good), fmt.Sprintf(`[{"fileName":"a/b.js","fileId":%q}]`, fileA), invalid},
		{"bot functions into another account's bot", "POST", p + "/bot/" + botA + "/import/botfunctions", jsonH(tokB), fmt.Sprintf(`[{"fileName":"a.js","fileId":%q}]`, fileB), streamID},
		{"bot functions unknown file", "POST", p + "/bot/" + botA + "/import/botfunctions", jsonH(good), `{"fileName":"a.js","fileId":"0123456789abcdef01234567"}`, fileID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := rawRequest(t, tt.method, tt.path, tt.header, strings.NewReader(tt.body))
			if resp.StatusCode != tt.want.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.want.status == 200 {
				return
			}
			wantBody := fmt.Sprintf(`{"errors":[{"msg":%q,"code":%d}]}`, tt.want.msg, tt.want.code)
			if string(body) != wantBody {
				t.Errorf("body %s\nwant %s", body, wantBody)
			}
		})
	}

	// Isolation: the other account sees none of default's bots.
	page, err := b.Bots(ctx, 0, 50)
	if err != nil || page.Total != 0 || len(page.Bots) != 0 {
		t.Errorf("other account's Get Bots: %+v %v", page, err)
	}
	// The request id is echoed when valid and generated otherwise.
	resp, _ := rawRequest(t, "GET", p+"/bots", map[string]string{"auth": good, "X-Request-Id": "trace-42"}, nil)
	if resp.Header.Get("X-Request-Id") != "trace-42" {
		t.Errorf("X-Request-Id %q", resp.Header.Get("X-Request-Id"))
	}
}

// TestBrokenFraming sends bodies that end early or break their framing, on
// a raw connection: each is the client's fault, 412 in the envelope, never
// a 500, and the server logs no fault.
func TestBrokenFraming(t *testing.T) {
	ts := startServer(t)
	tok := sign(jwt.SigningMethodHS256, jwt.MapClaims{"appId": ts.AppID}, ts.Secret)
	host := strings.TrimPrefix(ts.URL, "http://")
	head := func(method, path, extra string) string {
		return method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nauth: " + tok + "\r\n" + extra + "\r\n"
	}
	bot := "/api/public/bot/st-00000000-0000-4000-8000-000000000000"
	const uploadStart = "--XX\r\nContent-Disposition: form-data; name=\"fileContext\"\r\n\r\nbulkImport\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n{\"a\":"
	tests := []struct {
		name string
		req  string
	}{
		{"bad chunk size on import", head("POST", "/api/public/bot/import", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n") + "5\r\n{\"a\":\r\nZZ\r\n"},
		{"bad chunk size on bot functions", head("POST", bot+"/import/botfunctions", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n") + "5\r\n[{\"a\"\r\nZZ\r\n"},
		{"bad chunk size on export", head("POST", bot+"/export", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n") + "5\r\n{\"a\":\r\nZZ\r\n"},
		{"body shorter than Content-Length", head("POST", "/api/public/bot/import", "Content-Type: application/json\r\nContent-Length: 100\r\n") + `{"uploadMode":"JSON"}`},
		{"bad chunk size inside an upload", head("POST", "/api/public/uploadfile", "Content-Type: multipart/form-data; boundary=XX\r\nTransfer-Encoding: chunked\r\n") +
			fmt.Sprintf("%x\r\n%s\r\nZZ\r\n", len(uploadStart), uploadStart)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(conn, tt.req); err != nil {
				t.Fatal(err)
			}
			conn.(*net.TCPConn).CloseWrite()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := `{"errors":[{"msg":"Validation errors/ Invalid arguments","code":412}]}`
			if resp.StatusCode != 412 || string(body) != want {
				t.Errorf("got %d %s, want 412 %s", resp.StatusCode, body, want)
			}
		})
	}
	if strings.Contains(ts.logs.String(), "level=ERROR") {
		t.Errorf("the server logged a fault:\n%s", ts.logs)
	}
}

// noneToken is an unsigned token (alg none) naming app.
func noneToken(app string) string {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"appId": app}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		panic(err)
	}
	return tok
}

// signFor signs a token for a client's app.
func signFor(c *client.Client) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"appId": c.AppID}).SignedString([]byte(c.Secret))
}
