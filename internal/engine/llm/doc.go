// Package llm runs Quarry's agentic tiers on any model server that speaks
// the OpenAI-compatible chat completions protocol (OpenAI, vLLM, Ollama,
// llama.cpp's server), and keeps the built-in engine's guarantees: output
// that fits the schema, a citation for every value, a confidence that
// means something, nothing invented without saying so.
//
// # Tiers
//
// cost_effective and turbo run the built-in engine. agentic sends the
// model the document as page-marked text ("=== Page 3 ===", lines in
// reading order, tables as Markdown tables), the schema, the job's
// system_prompt, and the built-in engine's reading as hints to check: its
// chosen result, and for each field of the schema being asked up to three
// candidate values it weighed (builtin.Engine.Candidates), best first,
// each with its confidence and page ("total candidates: 60.3 (0.83, p1),
// 60.31 (0.75, p1)"), long values cut short, given as suggestions to
// verify against the text, not answers. A chunk is shown the candidates
// read on its own pages; per_table_row, whose schema is a row's, is shown
// the built-in engine's rows alone.
// agentic_plus adds a second request for the top-level fields that came
// back null, empty or not found in the document, and an arithmetic check
// where the schema has line items and a subtotal or total: line amounts
// that do not add up halve the total's confidence, lower the lines', and
// say so in the metadata's "reasoning".
//
// # Structured output
//
// Requests ask for response_format json_schema with strict true. A server
// that answers 400 naming the response format is asked again in JSON mode
// (json_object), and the client remembers that for its lifetime; the
// schema is in the prompt either way. logprobs are asked for, and dropped
// the same way when refused.
//
// Strict mode accepts a subset of JSON Schema, so the user's schema is
// rewritten before it is sent:
//   - local $ref are inlined (recursion is cut 8 levels deep, where a
//     nullable string stands in), allOf branches are merged into one object,
//     oneOf becomes a union, and a union with null becomes a nullable type;
//   - every object lists all its properties in required and sets
//     additionalProperties false; a property the user's schema does not
//     require becomes nullable instead (a type array with "null", and null
//     in its enum);
//   - keywords strict mode rejects or ignores (format, pattern, minimum,
//     maximum, exclusive bounds, multipleOf, minLength, maxLength, minItems,
//     maxItems, uniqueItems, default, examples, and any other) are removed,
//     and the constraints among them are appended to the description in
//     words, so the model still reads them; title joins the description.
//
// The reply is mapped back to the user's schema: values are coerced where
// they plainly mean the type ("1,234.56" for a number, "yes" for a
// boolean, an enum member in another case), values that fit nothing are
// null, and a null the user's schema does not allow is written as the
// built-in engine writes it (left out when optional, [] for an array).
// A reply that is not JSON is shown back to the model with the parse error
// once; a second bad reply fails the job with a message saying so.
//
// # Long documents
//
// Documents are split by pages into chunks that fit the context window,
// counting four bytes of text a token and leaving room for the prompt,
// the schema, the hints and the reply. Consecutive chunks share a page.
// Each chunk is extracted and grounded on its own pages, then the answers
// merge: a scalar keeps its most confident value, objects merge by
// property, and arrays keep each element once. An element equal to one an
// earlier chunk gave (as grounding compares values: amounts as numbers,
// text by its letters and digits; objects on every property both give)
// merges into it, each leaf keeping the more confident value and its
// citation: a contract names its parties on its first page and where they
// sign, and a shared page gives its rows twice. Each earlier element takes
// in at most one equal element of a chunk, so a list that holds a value
// twice on one chunk's pages keeps both. Under strict_grounding an object
// of a list with nothing found on a chunk's pages is dropped from that
// chunk's answer. per_page runs each page on its own; per_table_row asks
// for the rows as one array and merges them the same way.
//
// # Grounding and confidence
//
// Every value the model returns is looked for in the document's words:
// exactly, then normalised, then fuzzily for text (at least 80% similar by
// edit distance). Normalised means what a careful reader accepts as the
// document saying the value:
//   - text by its letters and digits, also over the lines of a table cell
//     it wraps in (found from where the words stand: a line is cut at wide
//     gaps, and a cell continues in the segment below that starts where it
//     starts), not only over lines in reading order;
//   - numbers in every decimal and grouping convention, with currency
//     signs, codes and units around them and signs before, after or as
//     parentheses ("12,3400" is 12.34, "5.000 Stück" 5000 or 5, "12,5 h"
//     12.5, "3-" and "(3)" are -3);
//   - dates read from the document in English, German, French, Dutch and
//     Spanish, in words and numbers, a numeric date in each order its
//     numbers allow ("3 juin 2016", "4. Mai 2018", "07.11.2019");
//   - a currency's ISO code on the symbol or name printed for it ("€",
//     "Euro", "₹", "Rs."), symbols from the CLDR; a symbol several
//     currencies share stands for its usual one ("$" for USD) unless the
//     pages name another it may stand for ("CAD", "CA$").
//
// The match gives the citation: page, matching text, one box per line it
// covers. Where the built-in engine read the same value, or weighed it
// among its candidates, its place is preferred. A value not found gets a
// confidence of 0.15 and a reasoning saying so; with the configuration's
// strict_grounding (a Quarry extension) it becomes null.
//
// Confidence starts from grounding (0.5 + 0.45 × quality: 0.95 exact, 0.905
// normalised, 0.8825 a currency's symbol, about 0.8 fuzzy), is scaled by 0.7 + 0.3 × the geometric mean
// probability of the value's tokens when the server returns logprobs, then
// moves toward 1 by half the built-in engine's confidence when the built-in
// engine read the same value, or down by 30% of it when it read another.
// It is capped at 0.975.
//
// # Failures
//
// 429, 5xx and connection errors are retried with exponential backoff,
// waiting what Retry-After says when the server says it. Requests in
// flight to one server are bounded over all jobs, each has a timeout, and
// a cancelled job cancels its requests.
package llm
