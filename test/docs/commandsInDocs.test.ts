import { extractCommands } from './commandsInDocs';

describe('extractCommands', () => {
  it('takes shell blocks line by line (comments, $ prompts, && and \\ continuations) and npm/npx table rows', () => {
    const md = [
      'Intro `npx clinflow ignored` in prose.',
      '```sh',
      '# a comment line',
      '$ npm ci && npm start     # starts everything',
      "npx clinflow run x --event 'a # not a comment'",
      'npx clinflow deploy synth \\',
      '  --stage demo',
      '```',
      '```',
      'clinflow dev: output, not a command',
      '```',
      '```yaml',
      'workflow: x',
      '```',
      '| command | what |',
      '| --- | --- |',
      '| `npm run bench -- a\\|b` | benchmarks |',
      '| `clinflow schema` | a synopsis, not typed as is |',
    ].join('\n');
    expect(extractCommands(md, 'X.md')).toEqual([
      { file: 'X.md', line: 4, text: 'npm ci' },
      { file: 'X.md', line: 4, text: 'npm start' },
      { file: 'X.md', line: 5, text: "npx clinflow run x --event 'a # not a comment'" },
      { file: 'X.md', line: 6, text: 'npx clinflow deploy synth --stage demo' },
      { file: 'X.md', line: 17, text: 'npm run bench -- a|b' },
    ]);
  });
});
