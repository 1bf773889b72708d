import { convert, type HtmlToTextOptions } from 'html-to-text';

const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];

// Headings as written (not shouted), no wrapping (mail clients wrap), links as "text [url]", no image URLs.
const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    ...HEADINGS.map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'table', format: 'block' },
  ],
};

/** The plain-text part of an email whose template has none, made from its rendered HTML. */
export function textFromHtml(html: string): string {
  // Spacers and layout cells leave lines of non-breaking or hair spaces behind.
  return tidyText(convert(html, OPTIONS).replace(/[^\S\r\n]+$/gm, ''));
}

/** No trailing spaces and no runs of blank lines, which conditional blocks leave behind. */
export function tidyText(text: string): string {
  return text
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
