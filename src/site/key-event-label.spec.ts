import { keyEventLabel } from './key-event-label';

describe(keyEventLabel.name, () => {
  const label = (body: string, title: string | null = null) =>
    keyEventLabel({ id: 7, body, title });

  it('should be the title when the entry has one', () => {
    expect(label('**Goal!** Spain lead 1-0 after a header from a corner', 'Spain score')).toBe(
      'Spain score',
    );
  });

  it('should be the first words when the title is missing or blank', () => {
    expect(label('Spain lead 1-0', null)).toBe('Spain lead 1-0');
    expect(label('Spain lead 1-0', '   ')).toBe('Spain lead 1-0');
  });

  it('should cut after ten words, on a word, with an ellipsis', () => {
    expect(label('one two three four five six seven eight nine ten eleven twelve')).toBe(
      'one two three four five six seven eight nine ten…',
    );
    expect(label('one two three four five six seven eight nine ten')).toBe(
      'one two three four five six seven eight nine ten',
    );
  });

  it('should cut long words at the last whole word within 80 characters', () => {
    const words = 'Extraordinarily '.repeat(6).trim();
    expect(label(words)).toBe('Extraordinarily '.repeat(5).trim() + '…');
  });

  it('should cut a single word longer than 80 characters inside the word', () => {
    const link = `https://example.com/${'a'.repeat(100)}`;
    expect(label(link)).toBe(`${link.slice(0, 80)}…`);
  });

  it('should count an emoji as one character, never cutting it in half', () => {
    expect(label('⚽'.repeat(90))).toBe(`${'⚽'.repeat(80)}…`);
  });

  it('should drop Markdown punctuation and keep the text of links and images', () => {
    expect(label('## **Goal!** _Spain_ ~~lead~~ `1-0`')).toBe('Goal! Spain lead 1-0');
    expect(label('> - [Morata](https://example.com/m) scores ![a header](/media/3)')).toBe(
      'Morata scores a header',
    );
    expect(label('1. Red card\n2. Penalty\n\n---\n\n<https://example.com>')).toBe(
      'Red card Penalty https://example.com',
    );
  });

  it('should keep underscores inside words and minus signs that are no list marker', () => {
    expect(label('snake_case stays, -5 degrees in Oslo')).toBe(
      'snake_case stays, -5 degrees in Oslo',
    );
  });

  it('should name the entry when no words are left', () => {
    expect(label('![](/media/3)')).toBe('Entry 7');
  });
});
