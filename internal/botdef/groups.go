package botdef

import "slices"

// Groups are the parts of a bot that importOptions and exportOptions select,
// named "<list>:<value>" after the option that selects them.
const (
	GroupBotTask           = "tasks:botTask"
	GroupKnowledgeGraph    = "tasks:knowledgeGraph"
	GroupSmallTalk         = "tasks:smallTalk"
	GroupForms             = "tasks:forms"
	GroupNLPSettings       = "nlpData:nlpSettings"
	GroupUtterances        = "nlpData:utterances"
	GroupPatterns          = "nlpData:patterns"
	GroupStandardResponses = "nlpData:standardResponses"
	GroupSynonyms          = "nlpData:synonyms"
	GroupConcepts          = "nlpData:concepts"
	GroupTraits            = "nlpData:traits"
	GroupBotSettings       = "settings:botSettings"
	GroupBotVariables      = "settings:botVariables"
	GroupIVRSettings       = "settings:ivrSettings"
	GroupGenAI             = "settings:genAIandLLMSettings"
)

// BotSettingsMembers are the top-level members an export without settings
// leaves out: the 37 that demobot1-all has and demobot1-without-settings
// lacks, minus the voice members of settings:ivrSettings, plus the
// bot-setting members of other real exports (vaxie).
var BotSettingsMembers = []string{
	"notifyUserViaEmail", "hasUserEndpoint", "offKoraConfirmation", "skipMakeEditLinks", "variables", "showInMp",
	"strict_pii", "languageConfigurations", "channels", "vNameSpace", "krVNameSpace", "evVNameSpace", "color",
	"enableInputTranslation", "isSmartAssist", "sBannerColor", "bBannerColor", "categoryIds", "class", "featured",
	"sendVcf", "interruptsEnabled", "externalNluAdapters", "sessionInactiveTime", "sessionClosureProcess",
	"skipSessionMessage", "clearAllAuthTokens", "runCustomScript", "isDeflect", "languagesToBeIgnored",
	"translationEngines", "preBuiltIntegrations", "feedbackSurveys",
	"deflectAppStatus", "pii_patterns", "solutionBotSettings", "enableNameSpace", "demoVideoLink", "translationEngineId",
}

// memberGroups maps each top-level member botport assigns to a group. Members
// in no group (identity, languages, localeData, provenance) belong to the bot
// itself: an incremental import keeps the target's, an export always has them.
var memberGroups = func() map[string]string {
	m := map[string]string{
		// tasks:botTask: dialogs with the components they use, digital views,
		// the storyboard and the rest of the task definitions.
		"dialogs": GroupBotTask, "dialogComponents": GroupBotTask, "widgets": GroupBotTask, "panels": GroupBotTask,
		"widgetThemes": GroupBotTask, "scenes": GroupBotTask, "sceneComponents": GroupBotTask, "actions": GroupBotTask,
		"alerts": GroupBotTask, "customTemplates": GroupBotTask, "unexportedTasks": GroupBotTask,
		"customDashboards": GroupBotTask, "paramMaps": GroupBotTask, "taskDgParamMaps": GroupBotTask,
		"knowledgeTasks": GroupKnowledgeGraph,
		"smallTalk":      GroupSmallTalk,
		"forms":          GroupForms,
		// nlpData:nlpSettings: NLU settings, ML parameters and the events.
		"isNLEnabled": GroupNLPSettings, "detectMultiIntent": GroupNLPSettings, "isCsMatchEnabled": GroupNLPSettings,
		"enableNegativePatterns": GroupNLPSettings, "interruptOptions": GroupNLPSettings, "advancedNLSettings": GroupNLPSettings,
		"assignAllChildBots": GroupNLPSettings, "recentBotLimit": GroupNLPSettings, "amendConfig": GroupNLPSettings,
		"enableAutoUtteranceAddition": GroupNLPSettings, "confidenceConfigs": GroupNLPSettings, "mlParams": GroupNLPSettings,
		"botEvents": GroupNLPSettings, "defaultDialogId": GroupNLPSettings, "botSentimentEvents": GroupNLPSettings,
		"sentences":     GroupUtterances,
		"patterns":      GroupPatterns,
		"koraResponses": GroupStandardResponses,
		"traits":        GroupTraits,
		// settings
		"idpConfigurations": GroupBotSettings, "namespaces": GroupBotSettings,
		"ivrSettings": GroupIVRSettings, "twilioVoiceSettings": GroupIVRSettings, "audioCodesSettings": GroupIVRSettings,
		"korevgSettings":   GroupIVRSettings,
		"llmConfiguration": GroupGenAI, "llmConfigsForStream": GroupGenAI, "promptLibraries": GroupGenAI,
		"contentVariables": GroupBotVariables,
	}
	for _, k := range BotSettingsMembers {
		m[k] = GroupBotSettings
	}
	return m
}()

// MemberGroup returns the group of a top-level definition member, or "" for
// the members that belong to the bot itself.
func MemberGroup(member string) string { return memberGroups[member] }

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
