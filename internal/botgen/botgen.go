// Package botgen writes synthetic but valid Kore.ai bot exports of any size,
// for load tests and benchmarks: dialogs with an intent and a message node,
// utterances spread over the intents, and a knowledge graph of FAQs. Output
// is deterministic for a seed and formatted as the platform formats exports
// (four-space indentation), so sizes compare with real ones.
package botgen

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Spec sizes an export.
type Spec struct {
	Name       string
	Dialogs    int
	Utterances int
	FAQs       int
	Seed       uint64
}

// Large is the size the performance targets are set for: about 100 MB.
var Large = Spec{Name: "Large Generated Bot", Dialogs: 3000, Utterances: 500_000, FAQs: 20_000, Seed: 1}

// WriteDir writes botDefinition.json, config.json and icon.png into dir.
func WriteDir(dir string, spec Spec) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "botDefinition.json"))
	if err != nil {
		return err
	}
	if err := Write(f, spec); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	cfg := fmt.Sprintf("{\n    \"name\": %q,\n    \"envVariables\": []\n}", spec.name())
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "icon.png"), icon, 0o644)
}

// icon is a valid 1x1 PNG.
var icon = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

func (s Spec) name() string {
	if s.Name == "" {
		return "Generated Bot"
	}
	return s.Name
}

type gen struct {
	w   *bufio.Writer
	rnd *rand.Rand
	err error
}

func (g *gen) uuid() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], g.rnd.Uint64())
	binary.LittleEndian.PutUint64(b[8:], g.rnd.Uint64())
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (g *gen) hex24() string {
	return fmt.Sprintf("%012x%012x", g.rnd.Uint64()&0xffffffffffff, g.rnd.Uint64()&0xffffffffffff)
}

func (g *gen) printf(format string, args ...any) {
	if g.err == nil {
		_, g.err = fmt.Fprintf(g.w, format, args...)
	}
}

// Write writes the botDefinition.json of spec to w.
func Write(w io.Writer, spec Spec) error {
	g := &gen{w: bufio.NewWriterSize(w, 1<<20), rnd: rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15))}
	name := spec.name()
	type dialog struct{ id, ref, name, intentID, intentRef, msgID, msgRef string }
	ds := make([]dialog, spec.Dialogs)
	for i := range ds {
		ds[i] = dialog{id: "dg-" + g.uuid(), ref: g.uuid(), name: fmt.Sprintf("Dialog %05d", i),
			intentID: "dc-" + g.uuid(), intentRef: g.uuid(), msgID: "dc-" + g.uuid(), msgRef: g.uuid()}
	}
	g.printf("{\n    \"_id\": \"st-%s\",\n    \"refId\": \"%s\",\n    \"purpose\": \"customer\",\n    \"type\": \"default\",\n", g.uuid(), g.uuid())
	g.printf("    \"defaultLanguage\": \"en\",\n    \"supportedLanguages\": [\n        \"en\"\n    ],\n    \"languagePreferences\": [\n        \"en\"\n    ],\n")
	g.printf("    \"localeData\": {\n        \"en\": {\n            \"name\": %q,\n            \"description\": \"A generated bot for load tests\",\n            \"synonyms\": {}\n        }\n    },\n", name)
	g.printf("    \"isNLEnabled\": true,\n    \"detectMultiIntent\": false,\n    \"isCsMatchEnabled\": false,\n    \"interruptOptions\": {},\n")
	welcome := ""
	if len(ds) > 0 {
		welcome = ds[0].ref
	}
	g.printf("    \"botEvents\": {\n        \"WELCOME_MESSAGE_EVENT\": {\n            \"enabled\": true,\n            \"action\": \"triggerDialog\",\n            \"task\": %q,\n            \"msg\": []\n        }\n    },\n", welcome)
	g.printf("    \"dialogComponents\": [")
	for i, d := range ds {
		sep := ","
		if i == 0 {
			sep = ""
		}
		g.printf("%s\n        {\n            \"_id\": %q,\n            \"refId\": %q,\n            \"name\": \"Intent_%05d\",\n            \"type\": \"intent\",\n            \"dialogId\": %q,\n            \"localeData\": {\n                \"en\": {\n                    \"intent\": %q,\n                    \"desc\": \"\"\n                }\n            },\n            \"vNameSpace\": []\n        },", sep, d.intentID, d.intentRef, i, d.id, d.name)
		g.printf("\n        {\n            \"_id\": %q,\n            \"refId\": %q,\n            \"name\": \"Message_%05d\",\n            \"type\": \"message\",\n            \"message\": [\n                {\n                    \"channel\": \"default\",\n                    \"localeData\": {\n                        \"en\": {\n                            \"text\": \"%%3Cp%%3EHello%%20from%%20dialog%%20%d%%3C%%2Fp%%3E\",\n                            \"type\": \"basic\"\n                        }\n                    }\n                }\n            ],\n            \"vNameSpace\": []\n        }", d.msgID, d.msgRef, i, i)
	}
	if len(ds) > 0 {
		g.printf("\n    ")
	}
	g.printf("],\n    \"dialogs\": [")
	for i, d := range ds {
		sep := ","
		if i == 0 {
			sep = ""
		}
		g.printf("%s\n        {\n            \"_id\": %q,\n            \"refId\": %q,\n            \"nodes\": [\n                {\n                    \"nodeId\": \"intent0\",\n                    \"type\": \"intent\",\n                    \"componentId\": %q,\n                    \"transitions\": [\n                        {\n                            \"default\": \"message1\"\n                        }\n                    ]\n                },\n                {\n                    \"nodeId\": \"message1\",\n                    \"type\": \"message\",\n                    \"componentId\": %q,\n                    \"transitions\": [\n                        {\n                            \"default\": \"end\"\n                        }\n                    ]\n                }\n            ],\n            \"lname\": %q,\n            \"localeData\": {\n                \"en\": {\n                    \"name\": %q,\n                    \"shortDesc\": \"\"\n                }\n            },\n            \"vNameSpace\": []\n        }",
			sep, d.id, d.ref, d.intentID, d.msgID, strings.ToLower(d.name), d.name)
	}
	if len(ds) > 0 {
		g.printf("\n    ")
	}
	g.printf("],\n    \"knowledgeTasks\": [")
	if spec.FAQs > 0 {
		g.printf("\n        {\n            \"refId\": %q,\n            \"name\": \"Generated FAQs\",\n            \"language\": \"en\",\n            \"isGraph\": true,\n            \"vNameSpace\": [],\n            \"taxonomy\": [\n                {\n                    \"nodeId\": \"root\",\n                    \"label\": \"Generated\",\n                    \"level\": \"L0\",\n                    \"parent\": [],\n                    \"synonyms\": []\n                }\n            ],\n            \"faqs\": {\n                \"faqs\": [", g.uuid())
		for i := 0; i < spec.FAQs; i++ {
			sep := ","
			if i == 0 {
				sep = ""
			}
			g.printf("%s\n                    {\n                        \"refId\": %q,\n                        \"question\": \"What is generated question number %d?\",\n                        \"alternateQuestions\": [],\n                        \"terms\": [\n                            \"!!Generated|| || \"\n                        ],\n                        \"tags\": [],\n                        \"faqStatus\": true,\n                        \"responseType\": \"message\",\n                        \"answer\": [\n                            {\n                                \"text\": \"Generated answer number %d, long enough to look like a real answer to a real question.\",\n                                \"type\": \"basic\",\n                                \"channel\": \"default\"\n                            }\n                        ],\n                        \"alternateAnswers\": []\n                    }", sep, g.uuid(), i, i)
		}
		g.printf("\n                ],\n                \"nodes\": [],\n                \"synonyms\": {}\n            }\n        }\n    ")
	}
	g.printf("],\n    \"sentences\": [")
	for i := 0; i < spec.Utterances && len(ds) > 0; i++ {
		d := ds[i%len(ds)]
		sep := ","
		if i == 0 {
			sep = ""
		}
		g.printf("%s\n        {\n            \"_id\": %q,\n            \"taskId\": %q,\n            \"sentence\": \"request %d\",\n            \"type\": \"DialogIntent\",\n            \"entities\": [],\n            \"language\": \"en\"\n        }",
			sep, g.hex24(), d.intentID, i)
	}
	if spec.Utterances > 0 && len(ds) > 0 {
		g.printf("\n    ")
	}
	g.printf("],\n    \"patterns\": [],\n    \"koraResponses\": [],\n    \"contentVariables\": [],\n    \"mlParams\": [],\n    \"smallTalk\": [],\n    \"idpConfigurations\": [],\n    \"customTemplates\": [],\n    \"exportOptions\": {},\n    \"actions\": [],\n    \"alerts\": [],\n    \"paramMaps\": [],\n    \"taskDgParamMaps\": []\n}")
	if g.err != nil {
		return g.err
	}
	return g.w.Flush()
}
