/**
 * The map's WebGL 2 renderer: every image one round point, coloured per point, the selection
 * ringed and drawn on top, the hovered point larger. Plain WebGL rather than regl (and so
 * regl-scatterplot): regl compiles its draw calls with the Function constructor, which the pages'
 * CSP (no 'unsafe-eval') refuses. Three draw calls a frame, so 70,000 points pan at screen rate.
 */
import type { View } from './camera.js';

const VERTEX = `#version 300 es
in vec2 pos;
in vec4 color;
in float picked;
uniform vec2 scale;
uniform vec2 offset;
uniform float size;
uniform float dim;
out vec4 vColor;
void main() {
  gl_Position = vec4(offset + pos * scale, 0.0, 1.0);
  gl_PointSize = size;
  // With a selection, the rest fades so the selection stands out.
  vColor = vec4(color.rgb, color.a * (dim > 0.5 && picked < 0.5 ? 0.4 : 1.0));
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
in vec4 vColor;
uniform vec4 ring;
uniform float ringWidth;
out vec4 outColor;
void main() {
  vec2 c = gl_PointCoord * 2.0 - 1.0;
  float r = dot(c, c);
  if (r > 1.0) discard;
  outColor = r > ringWidth ? ring : vColor;
}`;

export class Scatter {
  private readonly gl: WebGL2RenderingContext;
  private readonly program: WebGLProgram;
  private readonly buffers: Record<'pos' | 'color' | 'picked' | 'selection' | 'hover', WebGLBuffer>;
  private readonly uniforms: Record<'scale' | 'offset' | 'size' | 'dim' | 'ring' | 'ringWidth', WebGLUniformLocation | null>;
  private readonly vao: WebGLVertexArrayObject;
  private n = 0;
  private selected = 0;
  private hovered = -1;
  /** Reusable, so a lasso over thousands of points does not allocate per frame. */
  private pickedFlags = new Uint8Array(0);

  constructor(readonly canvas: HTMLCanvasElement) {
    // The drawing buffer is kept so screenshots (and the tests') see the frame. No multisampling:
    // round points need none, and it cost a software renderer (headless Chromium) half its frame rate.
    const gl = canvas.getContext('webgl2', { antialias: false, premultipliedAlpha: false, preserveDrawingBuffer: true });
    if (!gl) throw new Error('WebGL 2 is not available, so the map cannot be drawn.');
    this.gl = gl;
    this.program = link(gl, VERTEX, FRAGMENT);
    const buf = () => gl.createBuffer()!;
    this.buffers = { pos: buf(), color: buf(), picked: buf(), selection: buf(), hover: buf() };
    const u = (name: string) => gl.getUniformLocation(this.program, name);
    this.uniforms = { scale: u('scale'), offset: u('offset'), size: u('size'), dim: u('dim'), ring: u('ring'), ringWidth: u('ringWidth') };
    this.vao = gl.createVertexArray()!;
    gl.bindVertexArray(this.vao);
    const attr = (name: string, buffer: WebGLBuffer, size: number, type: number, normalized: boolean) => {
      const loc = gl.getAttribLocation(this.program, name);
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(loc);
      gl.vertexAttribPointer(loc, size, type, normalized, 0, 0);
    };
    attr('pos', this.buffers.pos, 2, gl.FLOAT, false);
    attr('color', this.buffers.color, 4, gl.UNSIGNED_BYTE, true);
    attr('picked', this.buffers.picked, 1, gl.UNSIGNED_BYTE, false);
    gl.enable(gl.BLEND);
    // The canvas's own alpha adds up (a point is as opaque as it says over the page), not a².
    gl.blendFuncSeparate(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA, gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
  }

  setPoints(xy: Float32Array): void {
    const gl = this.gl;
    this.n = xy.length / 2;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.pos);
    gl.bufferData(gl.ARRAY_BUFFER, xy, gl.STATIC_DRAW);
    this.pickedFlags = new Uint8Array(this.n);
    this.setSelection([]);
  }

  /** RGBA per point. */
  setColors(rgba: Uint8Array): void {
    this.gl.bindBuffer(this.gl.ARRAY_BUFFER, this.buffers.color);
    this.gl.bufferData(this.gl.ARRAY_BUFFER, rgba, this.gl.DYNAMIC_DRAW);
  }

  setSelection(ids: ArrayLike<number>): void {
    const gl = this.gl;
    this.pickedFlags.fill(0);
    for (let k = 0; k < ids.length; k++) this.pickedFlags[ids[k]!] = 1;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.picked);
    gl.bufferData(gl.ARRAY_BUFFER, this.pickedFlags, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.buffers.selection);
    gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, Uint32Array.from(ids), gl.DYNAMIC_DRAW);
    this.selected = ids.length;
  }

  setHover(id: number): void {
    this.hovered = id;
  }

  /** Draws one frame; `pointPx` is the point diameter in CSS pixels. */
  draw(view: View, cssWidth: number, cssHeight: number, pointPx: number, ring: [number, number, number]): void {
    const gl = this.gl;
    const dpr = window.devicePixelRatio || 1;
    const [w, h] = [Math.round(cssWidth * dpr), Math.round(cssHeight * dpr)];
    if (this.canvas.width !== w || this.canvas.height !== h) [this.canvas.width, this.canvas.height] = [w, h];
    gl.viewport(0, 0, w, h);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (this.n === 0) return;
    gl.useProgram(this.program);
    gl.bindVertexArray(this.vao);
    const u = this.uniforms;
    gl.uniform2f(u.scale, (2 * view.k) / cssWidth, (2 * view.k) / cssHeight);
    gl.uniform2f(u.offset, (2 * view.ox) / cssWidth - 1, 1 - (2 * view.oy) / cssHeight);
    gl.uniform4f(u.ring, ring[0], ring[1], ring[2], 1);
    const pass = (size: number, ringWidth: number, dim: number) => {
      gl.uniform1f(u.size, size * dpr);
      gl.uniform1f(u.ringWidth, ringWidth);
      gl.uniform1f(u.dim, dim);
    };
    pass(pointPx, 2, this.selected > 0 ? 1 : 0);
    gl.drawArrays(gl.POINTS, 0, this.n);
    if (this.selected > 0) {
      pass(pointPx + 3, 0.45, 0);
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.buffers.selection);
      gl.drawElements(gl.POINTS, this.selected, gl.UNSIGNED_INT, 0);
    }
    if (this.hovered >= 0 && this.hovered < this.n) {
      pass(Math.max(12, pointPx * 2.5), 0.55, 0);
      gl.drawArrays(gl.POINTS, this.hovered, 1);
    }
  }
}

function link(gl: WebGL2RenderingContext, vertex: string, fragment: string): WebGLProgram {
  const shader = (type: number, source: string) => {
    const s = gl.createShader(type)!;
    gl.shaderSource(s, source);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`map shader: ${gl.getShaderInfoLog(s)}`);
    return s;
  };
  const p = gl.createProgram()!;
  gl.attachShader(p, shader(gl.VERTEX_SHADER, vertex));
  gl.attachShader(p, shader(gl.FRAGMENT_SHADER, fragment));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`map shader: ${gl.getProgramInfoLog(p)}`);
  return p;
}
