package importer

import "github.com/botport/botport/internal/botdef"

// Selects reports whether the options take group from the file. Nil options
// (a full import) take everything. Forms come with botTask too: the platform
// writes Form entries when tasks has botTask or forms.
func (o *Options) Selects(group string) bool {
	if o == nil {
		return true
	}
	switch group {
	case botdef.GroupBotTask:
		return o.Has("tasks", "botTask")
	case botdef.GroupKnowledgeGraph:
		return o.Has("tasks", "knowledgeGraph")
	case botdef.GroupSmallTalk:
		return o.Has("tasks", "smallTalk")
	case botdef.GroupForms:
		return o.Has("tasks", "forms") || o.Has("tasks", "botTask")
	case botdef.GroupNLPSettings:
		return o.Has("nlpData", "nlpSettings")
	case botdef.GroupUtterances:
		return o.Has("nlpData", "utterances")
	case botdef.GroupPatterns:
		return o.Has("nlpData", "patterns")
	case botdef.GroupStandardResponses:
		return o.Has("nlpData", "standardResponses")
	case botdef.GroupSynonyms:
		return o.Has("nlpData", "synonyms")
	case botdef.GroupConcepts:
		return o.Has("nlpData", "concepts")
	case botdef.GroupTraits:
		return o.Has("nlpData", "traits")
	case botdef.GroupBotSettings:
		return o.Has("settings", "botSettings")
	case botdef.GroupBotVariables:
		return o.Has("settings", "botVariables")
	case botdef.GroupIVRSettings:
		return o.Has("settings", "ivrSettings")
	case botdef.GroupGenAI:
		return o.Has("settings", "genAIandLLMSettings")
	}
	return false
}

// ignored reports whether a variable key is left untouched by the import.
func (o *Options) ignored(key string) bool {
	if o == nil {
		return false
	}
	for _, k := range o.IgnoreVariables {
		if k == key {
			return true
		}
	}
	return false
}
