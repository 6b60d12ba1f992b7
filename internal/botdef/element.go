package botdef

import (
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// element reads the facts of one array element and returns its identity.
func (d *Definition) element(member string, i int, raw jsontext.Value, at loc, ps *Problems) elemID {
	switch member {
	case "dialogs":
		var v dialogJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		dl := &Dialog{Index: i, ID: string(v.ID), RefID: string(v.RefID), LName: string(v.LName), Names: v.LocaleData, Stub: v.Nodes == nil, NS: v.NS}
		if v.Nodes != nil {
			for _, n := range *v.Nodes {
				dl.Nodes = append(dl.Nodes, n.node())
			}
		}
		d.Dialogs = append(d.Dialogs, dl)
		dl.Name = d.dialogName(dl)
		return elemID{dl.Ident(), dl.RefID, dl.Name}
	case "dialogComponents":
		var v componentJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		c := &Component{Index: i, ID: string(v.ID), RefID: string(v.RefID), Name: string(v.Name), Type: string(v.Type),
			DialogID: string(v.DialogID), ResourceID: string(v.ResourceID), Idp: string(v.Idp), NS: v.NS}
		for _, n := range v.Nodes {
			c.Nodes = append(c.Nodes, n.node())
		}
		d.Components = append(d.Components, c)
		return elemID{c.Ident(), c.RefID, c.Name}
	case "forms":
		var v formJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		n := &Named{Index: i, RefID: string(v.RefID), Name: firstOf(string(v.DisplayName), string(v.Name))}
		for _, in := range v.Integrations {
			n.Refs = append(n.Refs, string(in.ResourceID))
			n.Comps = append(n.Comps, string(in.ResourceMeta.ComponentID))
		}
		d.Forms = append(d.Forms, n)
		return elemID{n.RefID, n.RefID, n.Name}
	case "widgets":
		var v widgetJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		n := &Named{Index: i, RefID: string(v.RefID), Name: string(v.Name)}
		if v.Source.Type == "dialog" {
			n.Refs = []string{string(v.Source.Resource)}
		}
		d.Widgets = append(d.Widgets, n)
		return elemID{n.RefID, n.RefID, n.Name}
	case "panels":
		var v panelJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		d.Panels = append(d.Panels, &Named{Index: i, RefID: string(v.RefID), Name: string(v.Name), Refs: v.Widgets})
		return elemID{string(v.RefID), string(v.RefID), string(v.Name)}
	case "sentences":
		var v sentenceJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		s := sentenceFact{index: i, id: string(v.ID), taskID: string(v.TaskID)}
		for j, e := range v.Entities {
			if e.EntityID != nil {
				s.entities = append(s.entities, indexed{j, string(*e.EntityID)})
			}
		}
		d.sentences = append(d.sentences, s)
		return elemID{}
	case "patterns":
		var v identJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		d.patterns = append(d.patterns, patternFact{index: i, refID: string(v.RefID)})
		return elemID{string(v.RefID), string(v.RefID), ""}
	case "knowledgeTasks":
		var v graphJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		g := graphFact{index: i, refID: string(v.RefID), lang: string(v.Language), name: string(v.Name), taxonomy: map[string]bool{}, ns: v.NS}
		for _, t := range v.Taxonomy {
			g.taxonomy[string(t.NodeID)] = true
		}
		for j, t := range v.Taxonomy {
			for k, parent := range t.Parent {
				g.parents = append(g.parents, indexedPair{j, k, string(t.NodeID), parent})
			}
		}
		for j, f := range v.Faqs.Faqs {
			if f.ResponseType == "dialog" {
				g.faqDialogs = append(g.faqDialogs, indexed{j, string(f.DialogRefID)})
			}
		}
		d.graphs = append(d.graphs, g)
		return elemID{g.refID + "|" + g.lang, g.refID, g.name}
	default:
		var v identJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		switch member {
		case "contentVariables":
			if _, dup := d.contentKeys[string(v.Key)]; !dup {
				d.contentKeys[string(v.Key)] = i
			} else {
				ps.Add(&Problem{File: FileDefinition, Pointer: pointer(member, i, "key"), Code: "duplicate_key", offset: -1,
					Message: "content variable " + strconv.Quote(string(v.Key)) + " is defined twice"})
			}
			d.nsUsers = append(d.nsUsers, nsUse{file: FileDefinition, ptr: at.ptr(), what: "content variable " + strconv.Quote(string(v.Key)), ns: v.NS})
		case "namespaces":
			d.namespaces = append(d.namespaces, nsFact{id: string(v.ID), refID: string(v.RefID)})
		case "idpConfigurations":
			d.idpNames[string(v.Name)] = true
		case "smallTalk":
			for j, g := range v.Groups {
				d.nsUsers = append(d.nsUsers, nsUse{file: FileDefinition, ptr: pointer(member, i, "groups", j), what: "small-talk group", ns: g.NS})
			}
		case "mlParams":
			d.mlIntents = append(d.mlIntents, mlFact{index: i, intents: v.DialogIntents})
		case "actions", "alerts":
			d.tasks = append(d.tasks, taskFact{member: member, id: string(v.ID), refID: string(v.RefID)})
		case "botSentimentEvents":
			var t struct {
				Task str `json:"task"`
			}
			_ = unmarshal(raw, &t)
			d.sentiment = append(d.sentiment, string(t.Task))
		}
		return identOf(member, &v)
	}
}
