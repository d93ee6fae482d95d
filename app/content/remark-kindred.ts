import type { Heading, Image, Link, Nodes, Parent, Root } from 'mdast';
import { toString } from 'mdast-util-to-string';
import { visit, SKIP } from 'unist-util-visit';
import { isSlug, type CheckItem, type ModuleItem, type QuestionKey } from './schemas.ts';

// Reads a module's MDX tree once: collects reflections and knowledge checks, the answer key, links
// to other modules, and authoring problems; then takes the answers and explanations out of the
// tree so the compiled code never carries them.

export const AUTHOR_COMPONENTS = new Set(['Callout', 'KeyIdea', 'Scenario', 'FurtherReading', 'Source', 'Reflection', 'KnowledgeCheck', 'ActionStep']);
const CHECK_PARTS = new Set(['Question', 'Option', 'Explanation']);

export interface ModuleAnalysis {
  items: ModuleItem[];
  /** Words of reading text, before the answers are taken out (tags and attributes not counted). */
  wordCount: number;
  /** How often each author component is used, for the editorial rules in courses:check. */
  componentCounts: Record<string, number>;
  moduleLinks: { href: string; line: number | null }[];
  problems: { line: number | null; message: string; fatal: boolean }[];
}

interface JsxAttribute {
  type: string;
  name?: string;
  value?: unknown;
}

interface JsxElement extends Parent {
  type: 'mdxJsxFlowElement' | 'mdxJsxTextElement';
  name: string | null;
  attributes: JsxAttribute[];
}

function isJsx(node: unknown): node is JsxElement {
  const type = (node as { type?: string }).type;
  return type === 'mdxJsxFlowElement' || type === 'mdxJsxTextElement';
}

function lineOf(node: { position?: { start: { line: number } } }): number | null {
  return node.position?.start.line ?? null;
}

/** A string attribute, `true` for a bare attribute (`required`), or undefined. */
function attribute(node: JsxElement, name: string): string | boolean | undefined {
  const attr = node.attributes.find((a) => a.type === 'mdxJsxAttribute' && a.name === name);
  if (!attr) return undefined;
  if (attr.value === null || attr.value === undefined) return true;
  if (typeof attr.value === 'string') return attr.value;
  const expression = (attr.value as { value?: string }).value?.trim();
  if (expression === 'true') return true;
  if (expression === 'false') return false;
  return expression;
}

function stringAttribute(node: JsxElement, name: string): string | undefined {
  const value = attribute(node, name);
  return typeof value === 'string' ? value.trim() : undefined;
}

function childElements(node: Parent, name: string): JsxElement[] {
  const found: JsxElement[] = [];
  for (const child of node.children as unknown[]) {
    if (isJsx(child)) {
      if (child.name === name) found.push(child);
    } else if ((child as { type?: string }).type === 'paragraph') {
      found.push(...childElements(child as Parent, name));
    }
  }
  return found;
}

function paragraphsOf(node: Parent): string[] {
  const paragraphs = node.children.map((child) => toString(child as Nodes).replace(/\s+/g, ' ').trim()).filter(Boolean);
  return paragraphs.length > 0 ? paragraphs : [toString(node as unknown as Nodes).replace(/\s+/g, ' ').trim()].filter(Boolean);
}

export function analyseModuleTree(tree: Root): ModuleAnalysis {
  const analysis: ModuleAnalysis = { items: [], wordCount: countWords(toString(tree)), componentCounts: {}, moduleLinks: [], problems: [] };
  const problem = (node: { position?: { start: { line: number } } }, message: string, fatal = false) =>
    analysis.problems.push({ line: lineOf(node), message, fatal });
  const seenIds = new Set<string>();
  const claimId = (node: JsxElement, id: string | undefined, what: string): string | null => {
    if (!id) {
      problem(node, `${what} needs an id`, true);
      return null;
    }
    if (!isSlug(id)) problem(node, `${what} id "${id}" must be lower-case letters, digits and hyphens`);
    if (seenIds.has(id)) {
      problem(node, `${what} id "${id}" is used twice in this module`, true);
      return null;
    }
    seenIds.add(id);
    return id;
  };

  let previousDepth = 1;
  visit(tree, (node, _index, parent) => {
    if (node.type === 'heading') {
      const heading = node as Heading;
      if (heading.depth === 1) problem(heading, 'use ## for sections: the page title is the only level-1 heading');
      else if (heading.depth > previousDepth + 1) problem(heading, `heading level ${heading.depth} skips a level (the previous heading was level ${previousDepth})`);
      previousDepth = heading.depth;
      return;
    }
    if (node.type === 'image') {
      if (!(node as Image).alt?.trim()) problem(node, `image ${(node as Image).url} needs alt text: ![what it shows](${(node as Image).url})`);
      return;
    }
    if (node.type === 'link') {
      const href = (node as Link).url;
      if (href.startsWith('/courses/')) analysis.moduleLinks.push({ href, line: lineOf(node) });
      return;
    }
    const element: unknown = node;
    if (!isJsx(element)) return;
    const name = element.name ?? '';
    if (name === 'img' && !stringAttribute(element, 'alt')) problem(element, 'image needs alt text');
    if (AUTHOR_COMPONENTS.has(name)) analysis.componentCounts[name] = (analysis.componentCounts[name] ?? 0) + 1;
    if (/^[A-Z]/.test(name) && !AUTHOR_COMPONENTS.has(name)) {
      problem(element, CHECK_PARTS.has(name) ? `<${name}> belongs inside a <KnowledgeCheck>` : `unknown component <${name}>; authors can use ${[...AUTHOR_COMPONENTS].join(', ')}`, true);
      return SKIP;
    }
    if (name === 'Reflection' || name === 'KnowledgeCheck' || name === 'ActionStep') {
      if (parent?.type !== 'root') problem(element, `<${name}> must stand on its own, not inside another component`, true);
    }
    if (name === 'Reflection') {
      const id = claimId(element, stringAttribute(element, 'id'), 'Reflection');
      const prompt = stringAttribute(element, 'prompt');
      if (!prompt) problem(element, 'Reflection needs a prompt', true);
      if (id && prompt) analysis.items.push({ kind: 'reflection', id, prompt, required: attribute(element, 'required') === true });
      return SKIP;
    }
    if (name === 'ActionStep') {
      const id = claimId(element, stringAttribute(element, 'id'), 'ActionStep');
      const prompt = stringAttribute(element, 'prompt');
      if (!prompt) problem(element, 'ActionStep needs a prompt: what the teacher could try with a class', true);
      if (element.children.length > 0) problem(element, 'ActionStep takes no content: put the suggestion in its prompt', true);
      if (id && prompt) analysis.items.push({ kind: 'action-step', id, prompt });
      return SKIP;
    }
    if (name === 'KnowledgeCheck') {
      const check = readCheck(element, problem, claimId);
      if (check) analysis.items.push(check);
      // The answers and explanations stay on the server: only the id reaches the compiled code.
      element.children = [];
      element.attributes = element.attributes.filter((a) => a.type === 'mdxJsxAttribute' && a.name === 'id');
      return SKIP;
    }
    if (name === 'Source') {
      for (const field of ['author', 'title', 'year']) {
        if (!stringAttribute(element, field)) problem(element, `<Source> needs ${field}`);
      }
    }
    return undefined;
  });
  return analysis;
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}

function readCheck(
  node: JsxElement,
  problem: (node: JsxElement, message: string, fatal?: boolean) => void,
  claimId: (node: JsxElement, id: string | undefined, what: string) => string | null,
): CheckItem | null {
  const id = claimId(node, stringAttribute(node, 'id'), 'KnowledgeCheck');
  const questionNodes = childElements(node, 'Question');
  if (questionNodes.length === 0) problem(node, 'KnowledgeCheck needs at least one <Question>', true);
  const questionIds = new Set<string>();
  const questions: QuestionKey[] = [];
  for (const questionNode of questionNodes) {
    const questionId = stringAttribute(questionNode, 'id');
    const prompt = stringAttribute(questionNode, 'prompt');
    const multiple = attribute(questionNode, 'multiple') === true;
    const label = `question "${questionId ?? '?'}"`;
    if (!questionId || !isSlug(questionId)) problem(questionNode, 'Question needs an id of lower-case letters, digits and hyphens', true);
    else if (questionIds.has(questionId)) problem(questionNode, `question id "${questionId}" is used twice in this check`, true);
    if (!prompt) problem(questionNode, `${label} needs a prompt`, true);
    const optionNodes = childElements(questionNode, 'Option');
    const options = optionNodes.map((optionNode, index) => ({
      id: String.fromCharCode(97 + index),
      text: toString(optionNode as unknown as Nodes).replace(/\s+/g, ' ').trim(),
      correct: attribute(optionNode, 'correct') === true,
    }));
    const correctCount = options.filter((o) => o.correct).length;
    if (options.length < 2) problem(questionNode, `${label} needs at least two options`, true);
    if (options.some((o) => !o.text)) problem(questionNode, `${label} has an empty option`, true);
    if (correctCount === 0) problem(questionNode, `${label} has no right answer: mark one <Option correct>`, true);
    else if (!multiple && correctCount > 1) problem(questionNode, `${label} has ${correctCount} right answers: add \`multiple\` or mark only one`, true);
    const explanationNode = childElements(questionNode, 'Explanation')[0];
    if (!explanationNode) problem(questionNode, `${label} needs an <Explanation>`);
    if (questionId && prompt && !questionIds.has(questionId)) {
      questionIds.add(questionId);
      questions.push({ id: questionId, prompt, multiple, options, explanation: explanationNode ? paragraphsOf(explanationNode) : [] });
    }
  }
  return id && questions.length > 0 ? { kind: 'check', id, questions } : null;
}
