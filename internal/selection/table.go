// Package selection is the component vocabulary of importOptions and
// exportOptions (contract 4.3 and 4.6, export-format.md section 7): the
// values each list accepts, the group each value names, the parts of a bot
// each group owns, the statusLogs rows an import that selects a group
// writes (contract 5.3), how an incremental import merges each part, and
// what an export that leaves a group out does with it.
//
// Everything is derived from one table (values, below): parsing, Selects,
// the status rows, the merge rules and the export actions, so a value the
// parser accepts always means something to every one of them. The package
// imports nothing of botport; botdef, the importer, the merge and the
// exporter all read it.
package selection

// Lists of an options object.
const (
	Tasks    = "tasks"
	NLPData  = "nlpData"
	Settings = "settings"
)

// Groups, one per accepted value, named "<list>:<value>" after the value
// that selects them.
const (
	BotTask           = "tasks:botTask"
	KnowledgeGraph    = "tasks:knowledgeGraph"
	SmallTalk         = "tasks:smallTalk"
	Forms             = "tasks:forms"
	NLPSettings       = "nlpData:nlpSettings"
	Utterances        = "nlpData:utterances"
	Patterns          = "nlpData:patterns"
	StandardResponses = "nlpData:standardResponses"
	Synonyms          = "nlpData:synonyms"
	Concepts          = "nlpData:concepts"
	Traits            = "nlpData:traits"
	BotSettings       = "settings:botSettings"
	BotVariables      = "settings:botVariables"
	IVRSettings       = "settings:ivrSettings"
	GenAI             = "settings:genAIandLLMSettings"
)

// Files whose members the groups own.
const (
	FileDefinition = "botDefinition.json"
	FileConfig     = "config.json"
)

// Rule is how an incremental import that selects a member's group builds
// the member of the result from the target's and the file's.
type Rule int

// Merge rules.
const (
	_ Rule = iota
	// Replace takes the file's member whole.
	Replace
	// ByIdentity matches elements by identity: the file's replace the
	// target's of the same identity in place, the file's new ones follow,
	// the target's others stay. A member stored as one value is replaced.
	ByIdentity
	// MergeDialogs is ByIdentity, except that a stub (a dialog without
	// nodes, as NLP-only exports carry) never overwrites anything.
	MergeDialogs
	// MergeComponents writes the components the imported dialogs use; a
	// target component is deleted when a replaced dialog used it and no
	// dialog of the result does any more.
	MergeComponents
	// MergeUtterances identifies utterances by (intent, language, text):
	// appended by default, replaced with options.utterances.replace.
	MergeUtterances
	// MergePatterns merges patterns per component and language: values
	// appended by default, replaced with options.patterns.replace.
	MergePatterns
	// MergeVariables is ByIdentity by key, minus the ignored keys.
	MergeVariables
	// LocalePart replaces one part of every language of localeData the
	// target has (Member.Part).
	LocalePart
)

// Action is what an export that does not select a member's group does
// with the member.
type Action int

// Export actions.
const (
	_ Action = iota
	// Keep writes the member as stored.
	Keep
	// Drop leaves the member out of the file.
	Drop
	// Empty writes the member as [] ({} for botEvents).
	Empty
	// Stub reduces dialogs and components to the platform's stubs, which
	// keep utterances and patterns resolvable.
	Stub
)

// Parts of localeData.<lang> that groups own (Member.Part).
const (
	PartSynonyms   = "synonyms"          // the word keys of localeData.<lang>.synonyms
	PartConcepts   = "concepts"          // the ~ keys of localeData.<lang>.synonyms
	PartConfidence = "confidenceConfigs" // localeData.<lang>.confidenceConfigs
)

// Member is a part of a bot that one group owns: a top-level member of a
// file, or a part of localeData (Name "localeData", Part set), which as a
// whole belongs to the bot itself.
type Member struct {
	File       string
	Name       string
	Part       string
	Rule       Rule   // how an incremental import that selects the group merges it
	Unselected Action // what an export that does not select the group does with it
}

// Status rows (taskType values of contract 5.3), exactly as the platform
// spells them.
const (
	RowImportRequest     = "importRequest"
	RowBotDefinition     = "Bot Definition"
	RowIdpConfigurations = "IdpConfigurations"
	RowCustomTemplates   = "CustomTemplates"
	RowBotFunctions      = "BotFunctions"
	RowWidget            = "Widget"
	RowDialog            = "Dialog"
	RowForm              = "Form"
	RowEvent             = "Event"
	RowKnowledgeTasks    = "KnowledgeTasks"
	RowUtterances        = "Utterences" // sic: the platform's spelling
	RowPatterns          = "Patterns"
	RowStandardResponses = "Standard Responses"
	RowBotVariables      = "BotVariables"
	RowSmallTalk         = "SmallTalk"
	RowImportBot         = "importBot"
)

// Row is one statusLogs row between Bot Definition and importBot.
type Row struct {
	Type string
	Name string // the fixed taskName; "" for rows written once per element, named after it
}

// rows are contract 5.3's rows 3 to 13, in its order. Rows 1 and 2
// (importRequest, Bot Definition) are always written, row 14 (importBot)
// on success.
var rows = []Row{
	{RowIdpConfigurations, "IdpConfigurations"},
	{RowCustomTemplates, "CustomTemplates"},
	{RowBotFunctions, "Bot Functions"},
	{RowWidget, ""},
	{RowDialog, ""},
	{RowForm, ""},
	{RowEvent, ""},
	{RowKnowledgeTasks, "KnowledgeTasks"},
	{RowUtterances, "Utterences"},
	{RowPatterns, "Patterns"},
	{RowStandardResponses, "Standard Responses"},
	{RowBotVariables, "BotVariables"},
	{RowSmallTalk, "SmallTalk"},
}

// Value is one accepted value of a list, the group it names and what the
// group owns.
type Value struct {
	List    string
	Name    string   // canonical spelling; the group is List + ":" + Name
	Aliases []string // the platform's legacy spellings
	Members []Member
	// Rows are the status rows an import that selects the group writes;
	// none: the group is imported within Bot Definition (contract 5.3's
	// note: synonyms, traits, NLP and IVR settings have no row of their own).
	Rows []string
	// AlsoImports are groups an import takes with this one: the platform
	// writes Form entries when tasks has botTask (contract 5.3, row 6). An
	// export of botTask alone carries no forms (demobot1-all has no forms
	// member), so exports do not follow it.
	AlsoImports []string

	group string // set by init
}

// Group returns the group the value names.
func (v *Value) Group() string { return v.List + ":" + v.Name }

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

// values is the vocabulary. `rules` (nlpData) is not in it: no export
// botport reads carries business rules (none of the fixtures, none of the
// keys of export-format.md), so it is dropped like any unknown value.
var values = []Value{
	{List: Tasks, Name: "botTask", Rows: []string{RowCustomTemplates, RowWidget, RowDialog}, AlsoImports: []string{Forms},
		Members: concat(
			// Dialogs with the components they use; stubs keep utterances
			// and patterns of an export without tasks resolvable.
			[]Member{def("dialogs", MergeDialogs, Stub), def("dialogComponents", MergeComponents, Stub)},
			// Digital views are left out of an export without tasks
			// (demobot1-nlp-only has no widgets or panels).
			defs(ByIdentity, Drop, "widgets", "panels"),
			defs(ByIdentity, Keep, "widgetThemes", "scenes", "sceneComponents", "actions", "alerts", "customTemplates",
				"unexportedTasks", "customDashboards", "paramMaps", "taskDgParamMaps"),
		)},
	{List: Tasks, Name: "knowledgeGraph", Rows: []string{RowKnowledgeTasks},
		Members: []Member{def("knowledgeTasks", Replace, Empty)}},
	{List: Tasks, Name: "smallTalk", Rows: []string{RowSmallTalk},
		Members: []Member{def("smallTalk", ByIdentity, Empty)}},
	{List: Tasks, Name: "forms", Rows: []string{RowForm},
		Members: []Member{def("forms", ByIdentity, Drop)}},
	{List: NLPData, Name: "nlpSettings", Aliases: []string{"defaultDialog"}, Rows: []string{RowEvent},
		Members: concat(
			// NLU settings, ML parameters and the events. An export without
			// them keeps the NLU settings and ML parameters, writes the
			// events empty and drops the two members tasks-only lacks.
			defs(Replace, Keep, "isNLEnabled", "detectMultiIntent", "isCsMatchEnabled", "interruptOptions",
				"advancedNLSettings", "assignAllChildBots", "recentBotLimit", "amendConfig", "enableAutoUtteranceAddition",
				"confidenceConfigs", "mlParams", "defaultDialogId"),
			defs(Replace, Drop, "enableNegativePatterns", "botSentimentEvents"),
			[]Member{def("botEvents", Replace, Empty), locale(PartConfidence)},
		)},
	{List: NLPData, Name: "utterances", Aliases: []string{"training_data"}, Rows: []string{RowUtterances},
		Members: []Member{def("sentences", MergeUtterances, Empty)}},
	{List: NLPData, Name: "patterns", Rows: []string{RowPatterns},
		Members: []Member{def("patterns", MergePatterns, Empty)}},
	{List: NLPData, Name: "standardResponses", Rows: []string{RowStandardResponses},
		Members: []Member{def("koraResponses", Replace, Empty)}},
	{List: NLPData, Name: "synonyms", Aliases: []string{"bot_synonyms"}, Members: []Member{locale(PartSynonyms)}},
	{List: NLPData, Name: "concepts", Members: []Member{locale(PartConcepts)}},
	{List: NLPData, Name: "traits", Members: []Member{def("traits", Replace, Empty)}},
	{List: Settings, Name: "botSettings", Rows: []string{RowIdpConfigurations, RowCustomTemplates, RowBotFunctions, RowEvent},
		Members: concat(
			// The auth profiles stay in an export without settings, since
			// service components name them; the namespace list is emptied.
			[]Member{def("idpConfigurations", Replace, Keep), def("namespaces", Replace, Empty)},
			defs(Replace, Drop, BotSettingsMembers...),
		)},
	{List: Settings, Name: "botVariables", Rows: []string{RowBotVariables},
		Members: []Member{def("contentVariables", MergeVariables, Empty),
			{File: FileConfig, Name: "envVariables", Rule: MergeVariables, Unselected: Empty}}},
	{List: Settings, Name: "ivrSettings",
		Members: defs(Replace, Drop, "ivrSettings", "twilioVoiceSettings", "audioCodesSettings", "korevgSettings")},
	{List: Settings, Name: "genAIandLLMSettings",
		Members: defs(Replace, Drop, "llmConfiguration", "llmConfigsForStream", "promptLibraries")},
}

func def(name string, r Rule, a Action) Member {
	return Member{File: FileDefinition, Name: name, Rule: r, Unselected: a}
}

func defs(r Rule, a Action, names ...string) []Member {
	out := make([]Member, len(names))
	for i, n := range names {
		out[i] = def(n, r, a)
	}
	return out
}

// locale is a part of localeData. An export writes localeData whole.
func locale(part string) Member {
	return Member{File: FileDefinition, Name: "localeData", Part: part, Rule: LocalePart, Unselected: Keep}
}

func concat(lists ...[]Member) []Member {
	var out []Member
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
