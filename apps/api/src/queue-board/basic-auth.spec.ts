import { BasicAuthChecker, parseBasic } from './basic-auth';

const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString('base64')}`;

describe(BasicAuthChecker.name, () => {
  const checker = new BasicAuthChecker({ username: 'admin', password: 'p:ss wörd' });

  it('accepts the configured credentials, with a password containing a colon and UTF-8', () => {
    expect(checker.accepts(basic('admin:p:ss wörd'))).toBe(true);
  });

  it('accepts the scheme in any case', () => {
    expect(checker.accepts(basic('admin:p:ss wörd').replace('Basic', 'bAsIc'))).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['a wrong password', basic('admin:p:ss word')],
    ['a wrong username', basic('root:p:ss wörd')],
    ['a password prefix', basic('admin:p:ss')],
    ['swapped halves', basic('p:ss wörd:admin')],
    ['no colon', basic('admin')],
    ['a Bearer token', 'Bearer admin'],
    ['garbage after the token', `${basic('admin:p:ss wörd')} extra`],
  ])('rejects %s', (_label, header) => {
    expect(checker.accepts(header)).toBe(false);
  });
});

describe(parseBasic.name, () => {
  it('splits at the first colon only', () => {
    expect(parseBasic(basic('a:b:c'))).toEqual({ username: 'a', password: 'b:c' });
  });

  it('allows an empty password', () => {
    expect(parseBasic(basic('a:'))).toEqual({ username: 'a', password: '' });
  });
});
