/**
 * The map's WebGL 2 renderer: every image one round point, coloured per point, the selection
 * ringed and drawn on top, the hovered point larger. Plain WebGL rather than regl (and so
 * regl-scatterplot): regl compiles its draw calls with the Function constructor, which the pages'
 * CSP (no 'unsafe-eval') refuses.
 *
 * The points are drawn into an off-screen layer half the canvas larger on every side, and
 * the layer is copied to the canvas. While the user pans or zooms, the last layer is moved and
 * scaled instead of drawn again, as map viewers do: a software renderer (WebGL without a GPU, as
 * in VMs and remote desktops) takes longer than a frame to rasterise 70,000 on-screen points, and
 * one copy keeps the motion at screen rate. When the picture drifts (scaled past 1.15x, or most of
 * its margin used), a second layer is drawn a slice of the points per frame and replaces it once
 * complete; every point is drawn at once when the motion stops. A frame never draws every point
 * while the view moves: in a fast zoom the picture shown may lag, scaled, until the next is done.
 */
import { bounds, type View } from './camera.js';

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

/** A layer onto the canvas: one textured rectangle, `rect` in clip space (x0, y0, x1, y1). */
const COPY_VERTEX = `#version 300 es
uniform vec4 rect;
out vec2 uv;
void main() {
  vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);
  uv = corner;
  gl_Position = vec4(mix(rect.xy, rect.zw, corner), 0.0, 1.0);
}`;

const COPY_FRAGMENT = `#version 300 es
precision mediump float;
uniform sampler2D layer;
in vec2 uv;
out vec4 outColor;
void main() {
  outColor = texture(layer, uv);
}`;

export class Scatter {
  private readonly gl: WebGL2RenderingContext;
  private readonly program: WebGLProgram;
  private readonly buffers: Record<'pos' | 'color' | 'picked' | 'selection' | 'hover', WebGLBuffer>;
  private readonly uniforms: Record<
    'scale' | 'offset' | 'size' | 'dim' | 'ring' | 'ringWidth',
    WebGLUniformLocation | null
  >;
  private readonly vao: WebGLVertexArrayObject;
  private readonly copyProgram: WebGLProgram;
  private readonly copyRect: WebGLUniformLocation | null;
  private n = 0;
  private selected = 0;
  private hovered = -1;
  /** Reusable, so a lasso over thousands of points does not allocate per frame. */
  private pickedFlags = new Uint8Array(0);
  private box: [number, number, number, number] = [0, 0, 1, 1];
  /** The layer on screen and the one being drawn a slice at a time while the view moves. */
  private front: Layer;
  private back: Layer;
  /** Points per frame when a layer is drawn in slices. */
  private readonly slice = 4_096;
  /** How many frames drew every point at once, and how many a slice of them (the bench counts them). */
  layerDraws = 0;
  sliceDraws = 0;
  /** The most a shown layer was scaled to stand in for the view (the bench reports it). */
  maxScaled = 1;

  constructor(readonly canvas: HTMLCanvasElement) {
    // The drawing buffer is kept so screenshots (and the tests') see the frame. No multisampling:
    // round points need none, and it cost a software renderer (headless Chromium) half its frame rate.
    const gl = canvas.getContext('webgl2', {
      antialias: false,
      premultipliedAlpha: false,
      preserveDrawingBuffer: true,
    });
    if (!gl) throw new Error('WebGL 2 is not available, so the map cannot be drawn.');
    this.gl = gl;
    this.program = link(gl, VERTEX, FRAGMENT);
    this.copyProgram = link(gl, COPY_VERTEX, COPY_FRAGMENT);
    this.copyRect = gl.getUniformLocation(this.copyProgram, 'rect');
    const buf = () => gl.createBuffer()!;
    this.buffers = { pos: buf(), color: buf(), picked: buf(), selection: buf(), hover: buf() };
    const u = (name: string) => gl.getUniformLocation(this.program, name);
    this.uniforms = {
      scale: u('scale'),
      offset: u('offset'),
      size: u('size'),
      dim: u('dim'),
      ring: u('ring'),
      ringWidth: u('ringWidth'),
    };
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
    this.front = { texture: gl.createTexture()!, framebuffer: gl.createFramebuffer()!, drawn: 0 };
    this.back = { texture: gl.createTexture()!, framebuffer: gl.createFramebuffer()!, drawn: 0 };
  }

  setPoints(xy: Float32Array): void {
    const gl = this.gl;
    this.n = xy.length / 2;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.pos);
    gl.bufferData(gl.ARRAY_BUFFER, xy, gl.STATIC_DRAW);
    this.pickedFlags = new Uint8Array(this.n);
    this.box = bounds(xy);
    this.setSelection([]);
  }

  /** RGBA per point. */
  setColors(rgba: Uint8Array): void {
    this.gl.bindBuffer(this.gl.ARRAY_BUFFER, this.buffers.color);
    this.gl.bufferData(this.gl.ARRAY_BUFFER, rgba, this.gl.DYNAMIC_DRAW);
    this.invalidate();
  }

  /** What the layers show is out of date: both are drawn anew. */
  private invalidate(): void {
    this.front.shows = undefined;
    this.back.shows = undefined;
    this.back.drawn = 0;
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
    this.invalidate();
  }

  setHover(id: number): void {
    this.hovered = id;
  }

  /**
   * Draws one frame; `pointPx` is the point diameter in CSS pixels. `moving`: the view is changing
   * under the user's hand, so a layer drawn for a nearby view may stand in, moved and scaled.
   */
  draw(
    view: View,
    cssWidth: number,
    cssHeight: number,
    pointPx: number,
    ring: [number, number, number],
    moving = false,
  ): void {
    const gl = this.gl;
    const dpr = window.devicePixelRatio || 1;
    const [w, h] = [Math.round(cssWidth * dpr), Math.round(cssHeight * dpr)];
    if (this.canvas.width !== w || this.canvas.height !== h) [this.canvas.width, this.canvas.height] = [w, h];
    const want: Shows = {
      view,
      cssWidth,
      cssHeight,
      pointPx,
      dpr,
      ring: ring.join(),
      mx: Math.round(cssWidth / 2),
      my: Math.round(cssHeight / 2),
    };
    const f = this.front.shows;
    const same =
      f !== undefined &&
      f.cssWidth === cssWidth &&
      f.cssHeight === cssHeight &&
      f.dpr === dpr &&
      f.ring === want.ring;
    const still =
      same && f.view.k === view.k && f.view.ox === view.ox && f.view.oy === view.oy && f.pointPx === pointPx;
    if (!still) {
      if (!same || !moving) {
        this.drawSlice(this.front, want, ring, this.n);
        this.back.drawn = 0;
        this.layerDraws++;
      } else {
        // A slice more of the layer in progress, or a new one once the shown one drifts.
        const b = this.back;
        const next = b.shows && b.drawn > 0 ? b.shows : this.serves(f, view, 1.15, 0.8) ? undefined : want;
        if (next) {
          this.drawSlice(b, next, ring, this.slice);
          this.sliceDraws++;
        }
        if (b.shows && b.drawn >= this.n) {
          [this.front, this.back] = [b, this.front];
          this.back.drawn = 0;
        }
      }
    }
    const scaled = view.k / this.front.shows!.view.k;
    this.maxScaled = Math.max(this.maxScaled, scaled, 1 / scaled);
    this.copy(this.front, view, w, h);
    if (this.hovered >= 0 && this.hovered < this.n) {
      gl.useProgram(this.program);
      gl.bindVertexArray(this.vao);
      this.setView(view, cssWidth, cssHeight, ring);
      this.pass(Math.max(12, pointPx * 2.5) * dpr, 0.55, 0);
      gl.drawArrays(gl.POINTS, this.hovered, 1);
    }
  }

  /**
   * Whether `shows`, moved and scaled to `view`, can stand in: scaled by at most `limit` either
   * way, and covering every on-screen point with its margins cut by `inset` (0 to 1).
   */
  private serves(shows: Shows, view: View, limit: number, inset: number): boolean {
    const s = view.k / shows.view.k;
    if (s > limit || s < 1 / limit) return false;
    const [minX, minY, maxX, maxY] = this.box;
    // On screen: the canvas, cut to the points' bounds.
    const left = Math.max(0, view.ox + minX * view.k),
      right = Math.min(shows.cssWidth, view.ox + maxX * view.k);
    const top = Math.max(0, view.oy - maxY * view.k),
      bottom = Math.min(shows.cssHeight, view.oy - minY * view.k);
    if (left >= right || top >= bottom) return true;
    const [x0, y0, x1, y1] = placed(shows, view);
    const [ix, iy] = [inset * shows.mx * s, inset * shows.my * s];
    return x0 + ix <= left && x1 - ix >= right && y0 + iy <= top && y1 - iy >= bottom;
  }

  /**
   * Draws the next `count` points of `shows` into `layer` (from the first when it showed something
   * else), the selection on top once every point is in.
   */
  private drawSlice(layer: Layer, shows: Shows, ring: [number, number, number], count: number): void {
    const gl = this.gl;
    const [lw, lh] = [shows.cssWidth + 2 * shows.mx, shows.cssHeight + 2 * shows.my];
    const [width, height] = [Math.round(lw * shows.dpr), Math.round(lh * shows.dpr)];
    if (layer.width !== width || layer.height !== height) {
      gl.bindTexture(gl.TEXTURE_2D, layer.texture);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, layer.texture, 0);
      [layer.width, layer.height] = [width, height];
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
    gl.viewport(0, 0, width, height);
    if (layer.shows !== shows) {
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      layer.shows = shows;
      layer.drawn = 0;
    }
    const end = Math.min(this.n, layer.drawn + count);
    if (end > layer.drawn) {
      gl.useProgram(this.program);
      gl.bindVertexArray(this.vao);
      this.setView(
        { k: shows.view.k, ox: shows.view.ox + shows.mx, oy: shows.view.oy + shows.my },
        lw,
        lh,
        ring,
      );
      this.pass(shows.pointPx * shows.dpr, 2, this.selected > 0 ? 1 : 0);
      gl.drawArrays(gl.POINTS, layer.drawn, end - layer.drawn);
      if (end === this.n && this.selected > 0) {
        this.pass((shows.pointPx + 3) * shows.dpr, 0.45, 0);
        gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.buffers.selection);
        gl.drawElements(gl.POINTS, this.selected, gl.UNSIGNED_INT, 0);
      }
    }
    layer.drawn = end;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  }

  /** `layer` onto the canvas (w x h device pixels), moved and scaled to `view`. */
  private copy(layer: Layer, view: View, w: number, h: number): void {
    const gl = this.gl;
    const shows = layer.shows!;
    gl.viewport(0, 0, w, h);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    // A textured rectangle, not blitFramebuffer: a software renderer copies a scaled blit at a
    // third of the frame rate. Blending off: the layer's pixels are the frame's.
    const [x0, y0, x1, y1] = placed(shows, view);
    const [cw, ch] = [w / shows.dpr, h / shows.dpr];
    gl.useProgram(this.copyProgram);
    gl.uniform4f(this.copyRect, (2 * x0) / cw - 1, 1 - (2 * y1) / ch, (2 * x1) / cw - 1, 1 - (2 * y0) / ch);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, layer.texture);
    gl.disable(gl.BLEND);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.enable(gl.BLEND);
  }

  private setView(view: View, cssWidth: number, cssHeight: number, ring: [number, number, number]): void {
    const gl = this.gl;
    const u = this.uniforms;
    gl.uniform2f(u.scale, (2 * view.k) / cssWidth, (2 * view.k) / cssHeight);
    gl.uniform2f(u.offset, (2 * view.ox) / cssWidth - 1, 1 - (2 * view.oy) / cssHeight);
    gl.uniform4f(u.ring, ring[0], ring[1], ring[2], 1);
  }

  /** `size` in device pixels. */
  private pass(size: number, ringWidth: number, dim: number): void {
    const gl = this.gl;
    gl.uniform1f(this.uniforms.size, size);
    gl.uniform1f(this.uniforms.ringWidth, ringWidth);
    gl.uniform1f(this.uniforms.dim, dim);
  }
}

/** What a layer holds: the points in `view`, drawn on a canvas of cssWidth x cssHeight grown by mx, my on each side. */
interface Shows {
  view: View;
  cssWidth: number;
  cssHeight: number;
  pointPx: number;
  dpr: number;
  ring: string;
  mx: number;
  my: number;
}

interface Layer {
  texture: WebGLTexture;
  framebuffer: WebGLFramebuffer;
  width?: number;
  height?: number;
  shows?: Shows;
  /** Points drawn so far into it. */
  drawn: number;
}

/** Where a layer showing `shows` lands on screen in `view`, CSS pixels: left, top, right, bottom. */
function placed(shows: Shows, view: View): [number, number, number, number] {
  const s = view.k / shows.view.k;
  const x0 = view.ox - s * (shows.view.ox + shows.mx),
    y0 = view.oy - s * (shows.view.oy + shows.my);
  return [x0, y0, x0 + s * (shows.cssWidth + 2 * shows.mx), y0 + s * (shows.cssHeight + 2 * shows.my)];
}

function link(gl: WebGL2RenderingContext, vertex: string, fragment: string): WebGLProgram {
  const shader = (type: number, source: string) => {
    const s = gl.createShader(type)!;
    gl.shaderSource(s, source);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS))
      throw new Error(`map shader: ${gl.getShaderInfoLog(s)}`);
    return s;
  };
  const p = gl.createProgram()!;
  gl.attachShader(p, shader(gl.VERTEX_SHADER, vertex));
  gl.attachShader(p, shader(gl.FRAGMENT_SHADER, fragment));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`map shader: ${gl.getProgramInfoLog(p)}`);
  return p;
}
