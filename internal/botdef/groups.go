package botdef

import (
	"slices"

	"github.com/botport/botport/internal/selection"
)

// Groups are the parts of a bot that importOptions and exportOptions select,
// named "<list>:<value>" after the option that selects them. The vocabulary
// (values, members, status rows, merge rules, export actions) is package
// selection's table; botdef names the groups its validator checks by.
const (
	GroupBotTask           = selection.BotTask
	GroupKnowledgeGraph    = selection.KnowledgeGraph
	GroupSmallTalk         = selection.SmallTalk
	GroupForms             = selection.Forms
	GroupNLPSettings       = selection.NLPSettings
	GroupUtterances        = selection.Utterances
	GroupPatterns          = selection.Patterns
	GroupStandardResponses = selection.StandardResponses
	GroupSynonyms          = selection.Synonyms
	GroupConcepts          = selection.Concepts
	GroupTraits            = selection.Traits
	GroupBotSettings       = selection.BotSettings
	GroupBotVariables      = selection.BotVariables
	GroupIVRSettings       = selection.IVRSettings
	GroupGenAI             = selection.GenAI
)

// BotSettingsMembers are the top-level members of settings:botSettings
// that an export without settings leaves out (selection.BotSettingsMembers).
var BotSettingsMembers = selection.BotSettingsMembers

// MemberGroup returns the group of a top-level definition member, or "" for
// the members that belong to the bot itself (selection.MemberGroup).
func MemberGroup(member string) string { return selection.MemberGroup(FileDefinition, member) }

// CanonicalOrder is the member order of a full 9.1.7 export (demobot1-all),
// with the members other real exports add placed after the member they
// follow there. A bot merged from several imports is written in this order;
// members it does not list follow, in their own order.
var CanonicalOrder = []string{
	"_id", "refId", "notifyUserViaEmail", "purpose", "hasUserEndpoint", "offKoraConfirmation", "skipMakeEditLinks", "type",
	"variables", "showInMp", "defaultLanguage", "supportedLanguages", "languagePreferences", "ivrSettings",
	"twilioVoiceSettings", "deflectAppStatus", "strict_pii", "pii_patterns", "languageConfigurations", "solutionBotSettings",
	"channels", "audioCodesSettings", "enableNameSpace", "korevgSettings", "vNameSpace", "krVNameSpace", "evVNameSpace",
	"color", "demoVideoLink", "enableInputTranslation", "translationEngineId", "multiLingualConfigurations", "isSmartAssist",
	"sBannerColor", "bBannerColor", "categoryIds", "class", "featured", "sendVcf", "isNLEnabled", "interruptsEnabled",
	"externalNluAdapters", "sessionInactiveTime", "sessionClosureProcess", "skipSessionMessage", "clearAllAuthTokens",
	"runCustomScript", "isDeflect", "languagesToBeIgnored", "localeData", "interruptOptions", "detectMultiIntent",
	"assignAllChildBots", "recentBotLimit", "isCsMatchEnabled", "defaultDialogId", "enableAutoUtteranceAddition",
	"amendConfig", "botSentimentEvents", "enableNegativePatterns", "advancedNLSettings", "translationEngines",
	"llmConfiguration", "promptLibraries", "llmConfigsForStream", "preBuiltIntegrations", "botEvents", "idpConfigurations",
	"actions", "alerts", "patterns", "dialogComponents", "dialogs", "scenes", "sceneComponents", "widgetThemes",
	"knowledgeTasks", "smallTalk", "widgets", "panels", "forms", "unexportedTasks", "customDashboards", "paramMaps",
	"taskDgParamMaps", "sentences", "koraResponses", "customTemplates", "mlParams", "contentVariables", "namespaces",
	"exportOptions", "feedbackSurveys", "environmentVersionInfo", "traits", "encryptedHash",
}

// MergeOrder orders the members of a bot built from several sources: those
// in CanonicalOrder first, in that order, then the others in the order of
// their first appearance in lists.
func MergeOrder(lists ...[]Member) []Member {
	shape := map[string]Shape{}
	var extra []string
	for _, l := range lists {
		for _, m := range l {
			if _, seen := shape[m.Name]; !seen {
				shape[m.Name] = m.Shape
				if !slices.Contains(CanonicalOrder, m.Name) {
					extra = append(extra, m.Name)
				}
			}
		}
	}
	var out []Member
	for _, n := range append(slices.Clone(CanonicalOrder), extra...) {
		if s, ok := shape[n]; ok {
			out = append(out, Member{Name: n, Shape: s})
		}
	}
	return out
}

// DialogStub is a dialog as an export without tasks carries it: only what
// lets utterances and patterns resolve, in the platform's order
// (demobot1-nlp-only).
func DialogStub(body []byte) ([]byte, error) {
	f, err := Fields(body)
	if err != nil {
		return nil, err
	}
	return Object(Pick(f, "_id", "refId", "lname", "localeData", "amendConfig", "vNameSpace")), nil
}

// ComponentStub is a dialog component as an export without tasks carries it;
// services keep their authorization profile.
func ComponentStub(body []byte) ([]byte, error) {
	f, err := Fields(body)
	if err != nil {
		return nil, err
	}
	return Object(Pick(f, "_id", "refId", "name", "type", "localeData", "idp", "useTaskLevelNs", "vNameSpace")), nil
}

// IsDialogStub reports whether a dialog body is a stub (it has no nodes).
func IsDialogStub(body []byte) bool {
	f, err := Fields(body)
	return err == nil && Get(f, "nodes") == nil
}
