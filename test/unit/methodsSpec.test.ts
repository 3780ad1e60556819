import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkSetting,
  METHOD_NAMES,
  METHOD_SPECS,
  methodSpec,
  nearestName,
  parseSettings,
  settingKind,
} from '../../src/common/methods/index.js';

const scan = METHOD_SPECS.scan;
const dc = METHOD_SPECS.deepcluster;

test('a misspelt setting is refused with the nearest known name; a name like none lists them', () => {
  assert.deepEqual(checkSetting(scan, 'entropyWeigth', 2), {
    ok: false,
    error: "unknown setting 'entropyWeigth' for scan; did you mean 'entropyWeight'?",
  });
  assert.match(
    (checkSetting(scan, 'neighbors', 5) as { error: string }).error,
    /did you mean 'neighbours'\?$/,
  );
  assert.match((checkSetting(dc, 'pcadim', 5) as { error: string }).error, /did you mean 'pcaDim'\?$/);
  assert.equal(checkSetting(METHOD_SPECS.cc, 'banana', 1).ok, false);
  assert.match(
    (checkSetting(METHOD_SPECS.cc, 'banana', 1) as { error: string }).error,
    /^unknown setting 'banana' for cc; its settings are instanceTemperature, .* or schedule$/,
  );
  // Inherited object keys are not settings.
  assert.equal(checkSetting(scan, 'toString', 1).ok, false);
});

test('nearestName: swaps, case and small edits count; unrelated words do not', () => {
  assert.equal(nearestName('thresold', ['threshold', 'heads']), 'threshold');
  assert.equal(nearestName('HEADS', ['threshold', 'heads']), 'heads');
  assert.equal(nearestName('lr', ['threshold', 'heads']), undefined);
  assert.equal(nearestName('anything', []), undefined);
});

test('numbers: ranges are named, text is read as a number, integers must be whole', () => {
  assert.deepEqual(checkSetting(scan, 'entropyWeight', 500), {
    ok: false,
    error: 'scan setting entropyWeight must be a number from 0 to 100 (got 500)',
  });
  assert.deepEqual(checkSetting(scan, 'threshold', '0.5'), { ok: true, value: 0.5 });
  assert.deepEqual(checkSetting(scan, 'threshold', 1.5), {
    ok: false,
    error: 'scan setting threshold must be a number from 0 to 1 (got 1.5)',
  });
  assert.deepEqual(checkSetting(scan, 'threshold', 'high'), {
    ok: false,
    error: "scan setting threshold must be a number from 0 to 1 (got 'high')",
  });
  assert.deepEqual(checkSetting(scan, 'threshold', true), {
    ok: false,
    error: 'scan setting threshold must be a number from 0 to 1 (got true)',
  });
  assert.equal(checkSetting(scan, 'threshold', '').ok, false);
  assert.equal(checkSetting(scan, 'threshold', Number.NaN).ok, false);
  assert.deepEqual(checkSetting(scan, 'strongOps', 2.5), {
    ok: false,
    error: 'scan setting strongOps must be a whole number from 0 to 16 (got 2.5)',
  });
  assert.deepEqual(checkSetting(scan, 'neighbours', 0), {
    ok: false,
    error: 'scan setting neighbours must be a whole number of at least 1 (got 0)',
  });
  assert.deepEqual(checkSetting(scan, 'neighbours', 1e6), { ok: true, value: 1e6 });
  assert.deepEqual(checkSetting(scan, 'heads', '3'), { ok: true, value: 3 });
});

test('booleans and choices: typed values or their text, nothing else', () => {
  assert.deepEqual(checkSetting(dc, 'sobel', 'true'), { ok: true, value: true });
  assert.deepEqual(checkSetting(dc, 'sobel', false), { ok: true, value: false });
  assert.deepEqual(checkSetting(dc, 'sobel', 1), {
    ok: false,
    error: 'deepcluster setting sobel must be true or false (got 1)',
  });
  assert.deepEqual(checkSetting(dc, 'balance', 'weighted'), { ok: true, value: 'weighted' });
  assert.deepEqual(checkSetting(dc, 'balance', 'even'), {
    ok: false,
    error: "deepcluster setting balance must be uniform or weighted (got 'even')",
  });
  assert.deepEqual(checkSetting(scan, 'stages', 'scan'), {
    ok: false,
    error: "scan setting stages must be pretext, pretext,scan or pretext,scan,selflabel (got 'scan')",
  });
});

test('parseSettings fills the defaults, keeps given values, leaves derived settings out, and lists every error', () => {
  const ok = parseSettings(scan, { heads: 3, threshold: '0.2' });
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.settings.heads, 3);
  assert.equal(ok.settings.threshold, 0.2);
  assert.equal(ok.settings.entropyWeight, 5);
  assert.equal(ok.settings.stages, 'pretext,scan,selflabel');
  assert.ok(!('pretextEpochs' in ok.settings) && !('scanEpochs' in ok.settings));
  assert.equal(parseSettings(scan, { pretextEpochs: 4 }).settings.pretextEpochs, 4);
  assert.ok(!('pcaDim' in parseSettings(dc, {}).settings));
  const bad = parseSettings(scan, { entropyWeigth: 2, jitter: -1, heads: 2 });
  assert.deepEqual(
    bad.errors.map((e) => e.key),
    ['entropyWeigth', 'jitter'],
  );
  assert.equal(bad.settings.heads, 2);
});

test('every spec is whole: its name, defaults of their own type and range, docs, choices', () => {
  assert.deepEqual(Object.keys(METHOD_SPECS), [...METHOD_NAMES]);
  for (const name of METHOD_NAMES) {
    const spec = METHOD_SPECS[name];
    assert.equal(spec.name, name);
    assert.equal(methodSpec(name), spec);
    assert.ok(
      spec.label && spec.description && !spec.description.includes('\n'),
      `${name}: label and one-line description`,
    );
    for (const v of Object.values(spec.defaults)) assert.ok(Number.isFinite(v) && v > 0, `${name}: defaults`);
    for (const [key, s] of Object.entries(spec.settings)) {
      assert.deepEqual(
        checkSetting(spec, key, s.default),
        { ok: true, value: s.default },
        `${name}.${key}: default is valid`,
      );
      assert.ok(s.doc.length > 10 && !s.doc.includes('\n'), `${name}.${key}: one-line doc`);
      assert.equal(
        s.type === 'choice',
        Array.isArray(s.choices) && s.choices.length > 1,
        `${name}.${key}: choices`,
      );
      if (s.paper)
        assert.notEqual(s.paper.value, s.default, `${name}.${key}: a paper value only where ours differs`);
      assert.ok(settingKind(s).length > 0);
    }
  }
  assert.equal(methodSpec('spectral'), undefined);
  assert.equal(methodSpec('constructor'), undefined);
});
