// The slice of Electron's main-process API that main.ts uses, typed here because the `electron`
// package (an optionalDependency whose binary download fails offline) may be absent when this
// repo is type-checked. main.ts gets the real module with `require('electron')` (kept external by
// scripts/build.mjs) and views it through these types. Signatures follow Electron's docs (v30+).

export interface WebPreferences {
  readonly preload: string;
  readonly contextIsolation: boolean;
  readonly sandbox: boolean;
  readonly nodeIntegration: boolean;
  readonly nodeIntegrationInWorker: boolean;
  readonly nodeIntegrationInSubFrames: boolean;
  readonly webSecurity: boolean;
  readonly allowRunningInsecureContent: boolean;
  readonly experimentalFeatures: boolean;
  readonly webviewTag: boolean;
  readonly navigateOnDragDrop: boolean;
  readonly spellcheck: boolean;
  readonly devTools: boolean;
}

export interface BrowserWindowOptions {
  readonly width: number;
  readonly height: number;
  readonly minWidth: number;
  readonly minHeight: number;
  readonly show: boolean;
  readonly title: string;
  readonly backgroundColor: string;
  readonly icon?: string;
  readonly webPreferences: WebPreferences;
}

export interface WebFrameMainLike {
  readonly url: string;
  readonly parent: WebFrameMainLike | null;
}

export interface IpcMainInvokeEventLike {
  readonly senderFrame: WebFrameMainLike | null;
}

export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => Promise<unknown>,
  ): void;
  removeHandler(channel: string): void;
}

export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: { preventDefault(): void }, url: string) => void,
  ): void;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): void;
  on(event: 'did-finish-load', listener: () => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface BrowserWindowLike {
  readonly webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  setTitle(title: string): void;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  once(event: 'ready-to-show', listener: () => void): void;
  on(event: 'closed', listener: () => void): void;
}

export interface MenuItemOptions {
  readonly label?: string;
  readonly role?: string;
  readonly type?: 'separator' | 'submenu' | 'normal';
  readonly accelerator?: string;
  readonly enabled?: boolean;
  readonly submenu?: readonly MenuItemOptions[];
  readonly click?: () => void;
}

export interface FileFilter {
  readonly name: string;
  readonly extensions: readonly string[];
}

export interface ElectronMain {
  readonly app: {
    readonly isPackaged: boolean;
    getVersion(): string;
    getName(): string;
    getAppPath(): string;
    getPath(name: 'userData' | 'documents'): string;
    requestSingleInstanceLock(): boolean;
    quit(): void;
    whenReady(): Promise<void>;
    addRecentDocument(path: string): void;
    clearRecentDocuments(): void;
    on(
      event: 'second-instance',
      listener: (event: unknown, argv: string[], workingDirectory: string) => void,
    ): void;
    on(event: 'open-file', listener: (event: { preventDefault(): void }, path: string) => void): void;
    on(event: 'window-all-closed' | 'before-quit', listener: () => void): void;
    on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsLike) => void): void;
  };
  readonly BrowserWindow: new (options: BrowserWindowOptions) => BrowserWindowLike;
  readonly ipcMain: IpcMainLike;
  readonly Menu: {
    buildFromTemplate(template: readonly MenuItemOptions[]): unknown;
    setApplicationMenu(menu: unknown): void;
  };
  readonly dialog: {
    showOpenDialog(
      window: BrowserWindowLike,
      options: { title: string; properties: readonly string[]; filters: readonly FileFilter[] },
    ): Promise<{ canceled: boolean; filePaths: string[] }>;
    showSaveDialog(
      window: BrowserWindowLike,
      options: { title: string; defaultPath: string; filters: readonly FileFilter[] },
    ): Promise<{ canceled: boolean; filePath?: string }>;
    showMessageBox(
      window: BrowserWindowLike,
      options: {
        type: 'info' | 'question';
        title: string;
        message: string;
        detail: string;
        buttons: readonly string[];
        defaultId?: number;
        cancelId?: number;
      },
    ): Promise<{ response: number }>;
    showErrorBox(title: string, content: string): void;
  };
  readonly shell: { openExternal(url: string): Promise<void> };
  readonly protocol: {
    registerSchemesAsPrivileged(
      schemes: readonly {
        scheme: string;
        privileges: { standard: boolean; secure: boolean; supportFetchAPI: boolean; corsEnabled: boolean };
      }[],
    ): void;
    handle(scheme: string, handler: (request: Request) => Promise<Response>): void;
  };
  readonly session: {
    readonly defaultSession: {
      setPermissionRequestHandler(
        handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void,
      ): void;
      setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
      readonly webRequest: {
        onHeadersReceived(
          listener: (
            details: { url: string; responseHeaders?: Record<string, string[]> },
            callback: (response: { responseHeaders: Record<string, string[]> }) => void,
          ) => void,
        ): void;
      };
    };
  };
}
