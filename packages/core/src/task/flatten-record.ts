import { arrayAt, objectAt, stringAt } from './flatten-multirc.js';
import type { SourceRecord } from './parse-table.js';

/**
 * SuperGLUE ReCoRD: `{ passage: { text, entities: [{start, end}] }, qas: [{ idx, query, answers:
 * [{text}] }] }` (spans inclusive). One flat record per query: `{ passage, query, entities, label,
 * group }` where `entities` are the passage's distinct entity texts (the candidates), `label` the
 * index of the first answer among them. Other surface forms of the answer ("West Brom" beside
 * "West Bromwich Albion") are dropped from the candidates, so exactly one candidate is correct.
 * `@highlight` markers become "- " bullet lines.
 */
export function flattenRecord(records: readonly SourceRecord[], source: string): SourceRecord[] {
  const flat: SourceRecord[] = [];
  for (const { record, line } of records) {
    const at = `${source}:${line}`;
    const passage = objectAt(record.passage, at, 'passage');
    const text = stringAt(passage.text, at, 'passage.text');
    const spans = arrayAt(passage.entities, at, 'passage.entities').map((e, i) => objectAt(e, at, `passage.entities[${i}]`));
    const entities = [...new Set(spans.map((span) => text.slice(Number(span.start), Number(span.end) + 1)))];
    arrayAt(record.qas, at, 'qas').forEach((q, qi) => {
      const qa = objectAt(q, at, `qas[${qi}]`);
      const query = stringAt(qa.query, at, `qas[${qi}].query`);
      const answers = qa.answers === undefined ? [] : arrayAt(qa.answers, at, `qas[${qi}].answers`).map((a, ai) => stringAt(objectAt(a, at, `qas[${qi}].answers[${ai}]`).text, at, `qas[${qi}].answers[${ai}].text`));
      const gold = answers[0];
      const candidates = gold === undefined ? entities : entities.filter((e) => e === gold || !answers.includes(e));
      if (gold !== undefined && !candidates.includes(gold)) candidates.push(gold);
      flat.push({
        record: {
          passage: text.replace(/\n@highlight\n/g, '\n- '),
          query,
          entities: candidates,
          ...(gold === undefined ? {} : { label: candidates.indexOf(gold) }),
          group: String(qa.idx ?? `${String(record.idx ?? line)}.${qi}`),
        },
        line,
      });
    });
  }
  return flat;
}
