"""The app's look and its two page scripts, shared by every part that shows our HTML (``gr.HTML``)."""

from __future__ import annotations

# Scoped to each gr.HTML by Gradio (css_template); colours come from the theme so dark mode works.
STYLE = """
.intro, .turn { margin: 0 0 1.2em 0; }
.chat-scroll { max-height: 68vh; overflow-y: auto; padding-right: .3em; }
.produced { color: var(--body-text-color-subdued); font-size: .8em; margin: .2em 0 .4em 0; }
.count { font-weight: 600; margin: .2em 0 .5em 0; }
ol.citations .actions { display: inline-flex; margin: 0 0 0 .5em; vertical-align: baseline; }
.actions button.act:disabled { opacity: .4; cursor: default; }
.question { background: var(--color-accent-soft); border-radius: 8px; padding: .5em .8em; font-weight: 600;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.context, .hint { color: var(--body-text-color-subdued); font-size: .9em; margin: .3em 0; }
.abstain, .error { border-left: 4px solid #c2410c; padding: .4em .8em; margin: .6em 0; font-weight: 600; }
.card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6em .9em; margin: .6em 0;
  background: var(--block-background-fill); }
.card.weak { opacity: .8; border-style: dashed; }
.card header { display: flex; flex-wrap: wrap; gap: .2em .6em; align-items: baseline; }
.rank { font-weight: 700; }
.title { font-weight: 600; }
.meta { color: var(--body-text-color-subdued); font-size: .85em; }
.weak-label { color: #c2410c; font-size: .85em; font-weight: 600; }
.passage, .reader-text { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.5; }
mark.quote { background: #ffe58a; color: #111; padding: 0 .1em; border-radius: 2px; }
.span { background: color-mix(in srgb, #ffe58a 30%, transparent); }
.also-in { font-size: .9em; margin: .3em 0; }
.actions { display: flex; gap: .5em; margin-top: .4em; }
.actions button.act { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: .15em .6em;
  background: var(--button-secondary-background-fill); color: var(--button-secondary-text-color); cursor: pointer;
  font-size: .85em; font-weight: 500; }
.also-in button.link, section.figures button.link { border: none; background: none; padding: 0; color: var(--link-text-color);
  text-decoration: underline; cursor: pointer; font-size: 1em; font-weight: 400; text-align: left; }
.reader-text { max-height: 65vh; overflow-y: auto; border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .8em 1em; }
table.listing { border-collapse: collapse; width: 100%; font-size: .92em; }
table.listing th, table.listing td { text-align: left; padding: .3em .5em; overflow-wrap: anywhere;
  border-bottom: 1px solid var(--border-color-primary); }
.ok { color: #15803d; font-weight: 600; }
.refused { color: #c2410c; font-weight: 600; }
ol.citations li { margin: .4em 0; overflow-wrap: anywhere; }
details.reported { font-size: .9em; margin: .4em 0; }
details.reported summary { cursor: pointer; }
details.reported li { margin: .35em 0; overflow-wrap: anywhere; }
details.reported .rep-quote { font-style: italic; }
details.reported .actions { display: inline-flex; margin: 0 0 0 .4em; vertical-align: baseline; }
section.figures { border-top: 1px solid var(--border-color-primary); margin: .8em 0; padding-top: .4em; }
section.figures h4 { margin: .2em 0 .4em 0; }
table.figures, table.figures tr, table.figures td { border: none; background: none; }
table.figures td { vertical-align: top; padding: .15em .8em .15em 0; }
section.figures button.figure-text { font-weight: 600; white-space: nowrap; }
tr.differs td.noun button.figure-text, p.differ { color: #c2410c; }
.verdict { font-size: 1.25em; font-weight: 700; padding: .5em .8em; border-radius: 8px; margin: .4em 0; }
.verdict.exact { background: color-mix(in srgb, #15803d 18%, transparent); border-left: 6px solid #15803d; }
.verdict.altered { background: color-mix(in srgb, #c2410c 18%, transparent); border-left: 6px solid #c2410c; }
.verdict.not_found { background: color-mix(in srgb, #b91c1c 18%, transparent); border-left: 6px solid #b91c1c; }
.not-supporting { color: #b91c1c; font-weight: 700; }
.similarity, .folding { font-weight: 600; margin: .3em 0; }
blockquote.source-text { margin: .4em 0; padding: .3em .8em; border-left: 3px solid var(--border-color-primary);
  white-space: pre-wrap; overflow-wrap: anywhere; }
.diff { line-height: 1.7; overflow-wrap: anywhere; }
.diff del { background: color-mix(in srgb, #b91c1c 20%, transparent); text-decoration: line-through; }
.diff ins { background: color-mix(in srgb, #15803d 22%, transparent); text-decoration: underline; }
.diff .changed { outline: 2px solid #c2410c; border-radius: 3px; padding: 0 .1em; }
.diff .changed ins { margin-left: .25em; }
.flag { font-size: .65em; font-weight: 700; color: #c2410c; text-transform: uppercase; vertical-align: super;
  margin-left: .15em; }
"""

# Event delegation on the component's root: buttons hand their action string to Python through
# Gradio's ``select`` event first (so a citation is gathered even where the clipboard is refused),
# then the copy button writes its citation to the clipboard.
ACTIONS_JS = """
element.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button || !element.contains(button)) return;
  trigger('select', {index: 0, value: button.dataset.action});
  const cite = button.dataset.cite;
  if (cite === undefined) {
    if (button.dataset.done) button.textContent = button.dataset.done;
    return;
  }
  let copied = false;
  try { await navigator.clipboard.writeText(cite); copied = true; } catch (error) {
    const area = document.createElement('textarea');
    area.value = cite; document.body.appendChild(area); area.select();
    copied = document.execCommand('copy'); area.remove();
  }
  button.textContent = copied ? 'Copied ✓ (added to citations)' : 'Added to citations; select the text to copy';
});
"""

# The conversation keeps to a box of its own (CSS above) so the question box stays in reach below it; each new
# answer is scrolled to its question's top, so it is read from the start.
CHAT_JS = """
watch('value', () => requestAnimationFrame(() => {
  const box = element.querySelector('.chat-scroll');
  const turns = element.querySelectorAll('.turn');
  if (box && turns.length) box.scrollTop += turns[turns.length - 1].getBoundingClientRect().top - box.getBoundingClientRect().top;
}));
"""

# The reader scrolls the cited span into view each time it opens a document (after the tab is shown).
READER_JS = """
const show = () => setTimeout(() => {
  const mark = element.querySelector('mark.quote');
  if (mark) mark.scrollIntoView({block: 'center'});
}, 200);
watch('value', show);
show();
"""
